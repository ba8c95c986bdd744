import TTSLoadCLI

await CLIMain.main()
