using Flam.Cli;

return await FlamApp.RunAsync(args);
