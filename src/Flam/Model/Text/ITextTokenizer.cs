namespace Flam.Model.Text;

/// <summary>
/// Turns text queries into token ids for a text tower. <see cref="RobertaTokenizer"/> is the official one; another
/// tower (e.g. a sentence encoder with its own vocabulary) brings its own, and detection does not change.
/// </summary>
public interface ITextTokenizer
{
    /// <summary>
    /// Token ids and attention mask of <paramref name="texts"/>. Empty or whitespace-only texts are a
    /// <see cref="FlamException"/>; over-long texts are truncated and <paramref name="warn"/> is told.
    /// </summary>
    TokenBatch EncodeBatch(IReadOnlyList<string> texts, TokenPadding padding = TokenPadding.ContextLength, Action<string>? warn = null);
}
