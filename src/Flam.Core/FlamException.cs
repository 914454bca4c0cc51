namespace Flam;

/// <summary>
/// An error caused by the user's input or environment (a bad file, a missing tool, a wrong option),
/// with a message meant to be shown as is. Front ends print it and exit with a non-zero code.
/// </summary>
public class FlamException : Exception
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public FlamException(string message) : base(message) { }

    /// <summary>Creates the exception with a user-facing message and the underlying cause.</summary>
    public FlamException(string message, Exception inner) : base(message, inner) { }
}
