using System.CommandLine;
using System.CommandLine.Help;
using Flam.Cli.Commands;

namespace Flam.Cli;

/// <summary>The <c>flam</c> command tree and its error policy.</summary>
public static class FlamApp
{
    /// <summary>Exit code for bad input or environment (a <see cref="FlamException"/>).</summary>
    public const int UserError = 1;

    /// <summary>Exit code of a run that went on past failed files (<c>--keep-going</c>) and finished the others.</summary>
    public const int SomeFilesFailed = 2;

    /// <summary>Exit code for an unexpected internal failure.</summary>
    public const int InternalError = 3;

    /// <summary>Environment variable that adds the stack trace to an internal error's message when set to 1.</summary>
    public const string TraceVariable = "FLAM_TRACE";

    /// <summary>The program's name in help and usage lines: the command users type, not the assembly (Flam.Cli).</summary>
    public const string ProgramName = "flam";

    /// <summary>Builds the root command with every sub-command.</summary>
    public static Command Build()
    {
        // A RootCommand takes its name from the executable (Flam.Cli, or testhost), and System.CommandLine 2.0 has no
        // way to rename it; renaming the assembly to flam collides with Flam.dll on case-insensitive file systems.
        // So the root is a plain command named flam, given the two options a RootCommand adds.
        var root = new Command(ProgramName, "Flam: frame-wise language-audio modeling (FLAM) - find any sound you describe in words.")
        {
            new HelpOption(),
            new VersionOption(),
        };
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(CorpusCommand.Create());
        root.Subcommands.Add(ScoreCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(SynthesizeCommand.Create());
        root.Subcommands.Add(FeaturesCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(DetectCommand.Create());
        root.Subcommands.Add(EmbedCommand.Create());
        root.Subcommands.Add(IndexCommand.Create());
        root.Subcommands.Add(SearchCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(ClusterCommand.Create());
        return root;
    }

    /// <summary>Parses and runs; errors become a message on stderr and a non-zero exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        // A failed write to standard output (a full disk) is the user's environment, not a bug: see the writer.
        var output = new StandardOutputWriter(stdout ?? Console.Out);
        var error = stderr ?? Console.Error;
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return await Build().Parse(args).InvokeAsync(config);
        }
        catch (FlamException e)
        {
            await error.WriteLineAsync("error: " + e.Message);
            return UserError;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("error: cancelled");
            return UserError;
        }
        catch (Exception e)
        {
            await error.WriteLineAsync("internal error: " + e.GetType().Name + ": " + e.Message);
            // The managed stack helps a bug report; users see it only when they ask for it.
            if (Environment.GetEnvironmentVariable(TraceVariable) == "1") await error.WriteLineAsync(e.ToString());
            await error.WriteLineAsync($"Please report this with the command line that caused it (set {TraceVariable}=1 to add the stack trace).");
            return InternalError;
        }
    }
}
