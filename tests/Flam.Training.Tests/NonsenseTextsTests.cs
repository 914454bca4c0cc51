using Flam.Training;

namespace Flam.Tests.Training;

public class NonsenseTextsTests
{
    [Fact]
    public void DistinctLowercaseWordsReproducibleFromTheSeed()
    {
        var texts = NonsenseTexts.Generate(500, 7);
        Assert.Equal(500, texts.Count);
        Assert.Equal(500, texts.Distinct(StringComparer.Ordinal).Count());
        Assert.All(texts, t => Assert.Matches("^[a-z]{2,8}( [a-z]{2,8}){0,3}$", t));
        Assert.Equal(texts, NonsenseTexts.Generate(500, 7));
        Assert.NotEqual(texts, NonsenseTexts.Generate(500, 8));
        // Both kinds of made-up words occur, and several lengths.
        Assert.True(texts.Select(t => t.Split(' ').Length).Distinct().Count() == 4);
    }
}
