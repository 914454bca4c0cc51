using Microsoft.Extensions.Logging;

namespace Flam.Cluster;

/// <summary>
/// Orleans' own log on standard error, one line per entry, from the level named by <see cref="Variable"/> (e.g.
/// <c>Information</c>); without it Orleans is silent: a lost worker is reported as warnings the cluster handles itself.
/// </summary>
internal sealed class StderrLoggerProvider(LogLevel minimum) : ILoggerProvider
{
    /// <summary>The environment variable naming the lowest level shown.</summary>
    public const string Variable = "FLAM_CLUSTER_LOG";

    private static readonly Lock Write = new();

    /// <summary>Adds the provider when <see cref="Variable"/> names a level, else turns logging off.</summary>
    public static void Configure(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        if (Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable(Variable), ignoreCase: true, out var level))
        {
            logging.SetMinimumLevel(level);
            logging.AddProvider(new StderrLoggerProvider(level));
        }
        else
        {
            logging.SetMinimumLevel(LogLevel.None);
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, minimum);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            lock (Write)
            {
                Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
        }
    }
}
