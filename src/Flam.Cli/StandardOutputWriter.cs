using System.Text;

namespace Flam.Cli;

/// <summary>
/// Standard output that turns a failed write (a full disk behind <c>&gt; file</c>, <c>&gt; /dev/full</c>) into a
/// <see cref="FlamException"/> saying what to do, instead of an internal error. Writes pass straight through.
/// </summary>
internal sealed class StandardOutputWriter(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    [System.Diagnostics.CodeAnalysis.AllowNull]
    public override string NewLine
    {
        get => inner.NewLine;
        set => inner.NewLine = value;
    }

    public override void Write(char value) => Guard(() => inner.Write(value));

    public override void Write(char[] buffer, int index, int count) => Guard(() => inner.Write(buffer, index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        var copy = buffer.ToString(); // a span cannot enter the lambda
        Guard(() => inner.Write(copy));
    }

    public override void Write(string? value) => Guard(() => inner.Write(value));

    public override void WriteLine() => Guard(inner.WriteLine);

    public override void WriteLine(string? value) => Guard(() => inner.WriteLine(value));

    public override void Flush() => Guard(inner.Flush);

    // The async forms run synchronously: standard output is a blocking stream, and the guard must see the exception.
    public override Task WriteAsync(char value) { Write(value); return Task.CompletedTask; }

    public override Task WriteAsync(string? value) { Write(value); return Task.CompletedTask; }

    public override Task WriteAsync(char[] buffer, int index, int count) { Write(buffer, index, count); return Task.CompletedTask; }

    public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) { Write(buffer.Span); return Task.CompletedTask; }

    public override Task WriteLineAsync() { WriteLine(); return Task.CompletedTask; }

    public override Task WriteLineAsync(string? value) { WriteLine(value); return Task.CompletedTask; }

    public override Task WriteLineAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) { WriteLine(buffer.ToString()); return Task.CompletedTask; }

    public override Task FlushAsync() { Flush(); return Task.CompletedTask; }

    public override Task FlushAsync(CancellationToken cancellationToken) { Flush(); return Task.CompletedTask; }

    private static void Guard(Action write)
    {
        try
        {
            write();
        }
        catch (IOException e)
        {
            throw new FlamException(
                $"Cannot write to standard output: {e.Message}. Free space where the output is redirected, or redirect it elsewhere (most commands also take --out FILE).", e);
        }
    }
}
