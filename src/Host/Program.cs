using OpenStack.Actors.Host;

return await Cli.RunAsync(args, CliConsole.System());
