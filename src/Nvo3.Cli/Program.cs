using Nvo3.Cli;

return await CliRoot.RunAsync(args).ConfigureAwait(false);
