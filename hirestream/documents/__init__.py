"""Résumé upload parsing for ``POST /interviews/parse-resume``.

Modules:

* ``errors``   - ``ResumeRejected`` and the stable error codes.
* ``config``   - ``Limits``, read from ``HIRESTREAM_RESUME_*`` environment variables.
* ``sniff``    - file type from the bytes, plain-text decoding.
* ``pdf_extract`` / ``docx_extract`` - the two document extractors (pdfplumber, python-docx).
* ``actual_text`` - pdfplumber pages that read ``/ActualText`` (icon labels, link URLs).
* ``cleaning`` - the text-cleaning rules, one plain function each.
* ``extract``  - ``extract(data) -> Extracted``: what the extraction child process runs.
* ``worker``   - the child process entry point (``python -m hirestream.documents.child``).
* ``service``  - ``ResumeParser`` (bounded concurrency, child processes) and its cleanup context.
* ``handler``  - the aiohttp handler ``parse_resume``.

This package file imports nothing, so the extraction child does not load aiohttp.
"""
