using System.CommandLine;

namespace Flam.Cli;

/// <summary>Option helpers shared by the commands that expose every default of an options record.</summary>
internal static class CliOptions
{
    /// <summary>An option whose default is the options record's default, shown in <c>--help</c>.</summary>
    public static Option<T> Opt<T>(string name, string description, T defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };
}
