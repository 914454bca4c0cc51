using Spectre.Console;

namespace Flam.Cli;

/// <summary>
/// A progress bar on stderr, drawn only when stderr is the process's own interactive terminal (never into
/// redirected output, pipes or test writers). <see cref="Run"/> passes a callback reporting progress in [0, total].
/// </summary>
internal static class CliProgress
{
    /// <summary>Runs <paramref name="work"/>, showing a bar labelled <paramref name="label"/> when interactive.</summary>
    public static T Run<T>(TextWriter stderr, string label, double total, Func<Action<string, double>, T> work)
    {
        if (!ReferenceEquals(stderr, Console.Error) || Console.IsErrorRedirected)
        {
            return work((_, _) => { });
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(label, maxValue: Math.Max(total, 1e-9));
                return work((description, done) =>
                {
                    task.Description = Markup.Escape(description);
                    task.Value = Math.Min(done, total);
                });
            });
    }
}
