from mlpm.cli import main

main()
