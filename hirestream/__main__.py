from hirestream.cli import main

main()
