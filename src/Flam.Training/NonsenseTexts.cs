using Flam.Synthesis;

namespace Flam.Training;

/// <summary>
/// Made-up queries ("vosk trelimap", "qzx blorvent ka") for the negative text slots of SED batches: text that names
/// no sound, so training also learns to answer "absent" to words it cannot ground, instead of firing on whatever is loud.
/// Deterministic in the seed, so training stays reproducible.
/// </summary>
public static class NonsenseTexts
{
    private const string Consonants = "bcdfghjklmnpqrstvwxz";
    private const string Vowels = "aeiouy";

    /// <summary><paramref name="count"/> distinct lower-case texts of one to four made-up words.</summary>
    public static IReadOnlyList<string> Generate(int count, ulong seed)
    {
        var texts = new List<string>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (ulong n = 0; texts.Count < count; n++)
        {
            var state = SplitMix64.Combine((long)seed, (long)n);
            int Next(int bound) => (int)((state = SplitMix64.Mix(state)) % (ulong)bound);
            var words = new string[1 + Next(4)];
            for (var w = 0; w < words.Length; w++)
            {
                var chars = new char[2 + Next(7)];
                // Half pronounceable (consonant-vowel), half letter soup.
                var pronounceable = Next(2) == 0;
                for (var c = 0; c < chars.Length; c++)
                {
                    chars[c] = pronounceable
                        ? (c % 2 == 0 ? Consonants[Next(Consonants.Length)] : Vowels[Next(Vowels.Length)])
                        : (char)('a' + Next(26));
                }
                words[w] = new string(chars);
            }
            var text = string.Join(' ', words);
            if (seen.Add(text)) texts.Add(text);
        }
        return texts;
    }
}
