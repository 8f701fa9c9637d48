// The candidate's interview page (docs/api.md §6). Plain JavaScript, no framework, no build
// step, no requests but to this origin. The token in the page's own URL
// (/interview/join/<token>) is the credential for every call.
'use strict';

(() => {
  const RETRY_FIRST_MS = 500;
  const RETRY_MAX_MS = 15000;
  const MAX_ANSWER_CHARS = 10000;
  const VIEWS = ['loading-view', 'welcome-view', 'chat-view', 'done-view', 'invalid-view'];
  const ENDED_MESSAGES = {
    completed: 'You have answered all the questions.',
    candidate_ended: 'You ended the interview.',
    time_limit: 'The time for this interview is up.',
    interviewer_ended: 'The interviewer ended the interview.',
  };
  // A touch screen has no Shift key: there, Enter makes a new line and the button sends.
  const TOUCH_ONLY = window.matchMedia('(hover: none) and (pointer: coarse)').matches;

  const $ = (id) => document.getElementById(id);
  const prefix = apiPrefix();
  const token = tokenFromPath();
  const state = {
    sessionId: null,
    socket: null,
    retries: 0, // reconnection attempts since the last question arrived
    retryTimer: null,
    currentIndex: -1, // index of the question on screen
    pending: null, // {index, text}: the answer sent for the open question, not yet followed up
    waiting: true, // sending is off: no open question, or an answer is on its way
    endRequested: false,
    ended: false,
  };

  // The server fills in <meta name="api-prefix">; anything but an absolute path is ignored.
  function apiPrefix() {
    const value = document.querySelector('meta[name="api-prefix"]')?.content.trim() ?? '';
    const absolute = value.startsWith('/') && !value.startsWith('//');
    return absolute ? value.replace(/\/+$/, '') : '/api/v1';
  }

  function tokenFromPath() {
    const match = /\/interview\/join\/([^/]+)\/?$/.exec(location.pathname);
    try {
      return match ? decodeURIComponent(match[1]) : '';
    } catch {
      return ''; // a malformed %-escape: no token
    }
  }

  function accessPath() {
    return `${prefix}/candidate-access/${encodeURIComponent(token)}`;
  }

  // --- Views and messages ---------------------------------------------------------------------

  // Show one view and move the focus to its heading, so that screen readers follow.
  function show(view) {
    for (const id of VIEWS) $(id).hidden = id !== view;
    $(view).querySelector('h1')?.focus();
  }

  // A polite message in the visible view (an error, said kindly); '' clears it.
  function setNotice(text) {
    for (const notice of document.querySelectorAll('.notice')) {
      notice.textContent = notice.closest('[hidden]') ? '' : text;
    }
  }

  const setStatus = (text) => { $('connection-status').textContent = text; };

  function setWaiting(waiting) {
    state.waiting = waiting;
    $('answer-input').readOnly = waiting; // read-only, not disabled: it keeps the focus
    $('send-button').disabled = waiting;
    $('answer-form').setAttribute('aria-busy', String(waiting));
  }

  function element(tag, className, text = '') {
    const node = document.createElement(tag);
    node.className = className;
    node.textContent = text; // never innerHTML: questions and answers are plain text
    return node;
  }

  function appendMessage(role, text, label) {
    const item = element('li', `message message-${role}`);
    item.append(element('p', 'message-meta', label), element('p', 'message-text', text));
    $('transcript').append(item);
    const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    item.scrollIntoView({ block: 'nearest', behavior: still ? 'auto' : 'smooth' });
  }

  function questionLabel(question) {
    if (question.index === 0) return 'Interviewer';
    const skill = typeof question.skill === 'string' && question.skill;
    return skill ? `Question ${question.index} · ${skill}` : `Question ${question.index}`;
  }

  // The polite live region reads each new question out once.
  function announce(question) {
    const label = question.index === 0 ? 'The interviewer says' : `Question ${question.index}`;
    $('question-announcer').textContent = `${label}: ${question.text}`;
  }

  function formatExpiry(iso) {
    const when = new Date(iso);
    if (Number.isNaN(when.getTime())) return iso;
    const options = { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit',
      minute: '2-digit', timeZoneName: 'short' };
    return new Intl.DateTimeFormat(undefined, options).format(when);
  }

  function showInvalid() {
    stopSocket();
    show('invalid-view');
  }

  // --- HTTP: the invitation and the start of the session -------------------------------------

  // A JSON call to this origin: {status, body}; status 0 when the network failed.
  async function api(method, path) {
    const options = { method, headers: { Accept: 'application/json' }, cache: 'no-store' };
    try {
      const response = await fetch(path, { ...options, credentials: 'omit' });
      return { status: response.status, body: await response.json().catch(() => null) };
    } catch {
      return { status: 0, body: null };
    }
  }

  async function loadInvitation() {
    $('retry-button').hidden = true;
    if (!token) return showInvalid();
    const result = await api('GET', accessPath());
    if (result.status === 404) return showInvalid();
    if (result.status !== 200 || !result.body) {
      $('loading-message').textContent =
        'We could not load your interview. Please check your connection and try again.';
      $('retry-button').hidden = false;
      return;
    }
    const { candidateName, position, expiresAt } = result.body;
    $('candidate-greeting').textContent = candidateName ? `, ${candidateName}` : '';
    $('position').textContent = position || '';
    $('chat-position').textContent = position ? `: ${position}` : '';
    $('expires-at').dateTime = expiresAt || '';
    $('expires-at').textContent = expiresAt ? formatExpiry(expiresAt) : '';
    show('welcome-view');
  }

  // Start (or, while it is in progress, join again) the session: {sessionId, interviewId, status}.
  async function startInterview() {
    $('start-button').disabled = true;
    setNotice('');
    const result = await api('POST', `${accessPath()}/start`);
    $('start-button').disabled = false;
    if (result.status === 200 && result.body?.sessionId) {
      state.sessionId = result.body.sessionId;
      show('chat-view');
      setWaiting(true);
      setStatus('Connecting…');
      connect();
    } else if (result.status === 404) {
      showInvalid();
    } else if (result.status === 409) {
      setNotice('Sorry, this interview cannot be started now. It may be over already.');
    } else {
      setNotice('Sorry, the interview could not start. Please check your connection and retry.');
    }
  }

  // --- The live session socket ---------------------------------------------------------------

  function socketUrl() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const path = `${prefix}/sessions/${encodeURIComponent(state.sessionId)}/ws`;
    return `${scheme}//${location.host}${path}?token=${encodeURIComponent(token)}`;
  }

  function send(message) {
    const open = state.socket?.readyState === WebSocket.OPEN;
    if (open) state.socket.send(JSON.stringify(message));
    return open;
  }

  function connect() {
    clearTimeout(state.retryTimer);
    const socket = new WebSocket(socketUrl());
    state.socket = socket;
    socket.addEventListener('open', () => {
      // An end asked for while the socket was down goes out now: it ends the open question.
      if (state.endRequested) send({ type: 'end' });
    });
    socket.addEventListener('message', (event) => onMessage(event.data));
    socket.addEventListener('close', () => onClose(socket));
  }

  function stopSocket() {
    clearTimeout(state.retryTimer);
    const socket = state.socket;
    state.socket = null; // its close event is then ignored
    socket?.close();
  }

  // A dropped connection is rejoined with exponential back-off (and jitter) while the session
  // is open; the typed text and an answer on its way are kept.
  function onClose(socket) {
    if (socket !== state.socket || state.ended) return;
    state.socket = null;
    setWaiting(true);
    const backoff = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** state.retries);
    state.retries += 1;
    setStatus('The connection was lost. Reconnecting…');
    state.retryTimer = setTimeout(rejoin, backoff * (0.8 + Math.random() * 0.4));
  }

  // A refused upgrade looks like any dropped connection to a browser: after a few failed
  // attempts, ask whether the link is still valid before trying again.
  async function rejoin() {
    if (state.retries >= 3 && (await api('GET', accessPath())).status === 404) {
      return showInvalid();
    }
    if (!state.ended) connect();
  }

  function onMessage(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return; // not JSON: not this protocol
    }
    if (message.type === 'question') onQuestion(message);
    else if (message.type === 'ended') onEnded(message.reason);
    else if (message.type === 'error') onServerError(message.message);
  }

  // Every question (the greeting, index 0, too) waits for exactly one answer or an end. A socket
  // that rejoins first gets the open question again: the same index as the one on screen.
  function onQuestion(question) {
    state.retries = 0;
    setStatus('');
    if (state.endRequested) return;
    if (state.pending?.index === question.index) {
      // The same question again: the answer sent before the connection dropped never arrived.
      send({ type: 'answer', text: state.pending.text });
      return;
    }
    state.pending = null;
    if (question.index !== state.currentIndex) {
      state.currentIndex = question.index;
      appendMessage('interviewer', String(question.text), questionLabel(question));
      announce(question);
    }
    setWaiting(false);
    const focused = document.activeElement;
    if (!focused || focused === document.body || $('chat-view').contains(focused)) {
      $('answer-input').focus({ preventScroll: true });
    }
  }

  function onEnded(reason) {
    state.ended = true;
    stopSocket();
    setNotice('');
    $('done-message').textContent = ENDED_MESSAGES[reason] || 'The interview has ended.';
    show('done-view');
  }

  // An error leaves the session going: an answer it refused goes back into the text box.
  function onServerError(text) {
    const detail = text ? ` (${text})` : '';
    setNotice(`Sorry, your last message could not be accepted${detail}. Please try again.`);
    if (!state.pending || state.endRequested) return;
    $('answer-input').value = state.pending.text;
    [...$('transcript').querySelectorAll('.message-candidate')].pop()?.remove();
    state.pending = null;
    setStatus('');
    setWaiting(false);
    $('answer-input').focus();
  }

  // --- The candidate's actions ---------------------------------------------------------------

  function sendAnswer() {
    if (state.waiting || state.ended) return;
    const input = $('answer-input');
    const text = input.value.trim();
    if (!text) {
      setNotice('Please type an answer before sending it.');
      return input.focus();
    }
    if ([...text].length > MAX_ANSWER_CHARS) {
      return setNotice(`Please shorten your answer to at most ${MAX_ANSWER_CHARS} characters.`);
    }
    if (!send({ type: 'answer', text })) return;
    setNotice('');
    state.pending = { index: state.currentIndex, text };
    appendMessage('candidate', text, 'You');
    input.value = '';
    setWaiting(true);
    setStatus('Waiting for the next question…');
  }

  function endInterview() {
    if (state.ended || state.endRequested) return;
    const question = 'End the interview now? You will not be able to continue it later.';
    if (!window.confirm(question)) return;
    state.endRequested = true;
    $('end-button').disabled = true;
    setWaiting(true);
    setStatus('Ending the interview…');
    send({ type: 'end' }); // when the socket is down, it goes out on the next open
  }

  // Enter sends, Shift+Enter makes a new line (and so does Enter while an IME composes).
  function onAnswerKey(event) {
    if (TOUCH_ONLY || event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    sendAnswer();
  }

  function init() {
    $('retry-button').addEventListener('click', loadInvitation);
    $('start-button').addEventListener('click', startInterview);
    $('answer-form').addEventListener('submit', (event) => {
      event.preventDefault();
      sendAnswer();
    });
    $('answer-input').addEventListener('keydown', onAnswerKey);
    $('end-button').addEventListener('click', endInterview);
    if (TOUCH_ONLY) {
      $('answer-input').enterKeyHint = 'enter';
      $('answer-hint').textContent = 'Tap “Send answer” when your answer is ready.';
    }
    loadInvitation();
  }

  init();
})();
