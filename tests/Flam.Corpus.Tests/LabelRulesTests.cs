using Flam.Synthesis.Corpus;

namespace Flam.Tests.Synthesis.Corpus;

public sealed class LabelRulesTests
{
    [Theory]
    [InlineData("arrow_stone_03", "arrow stone")]
    [InlineData("cattle_01", "cattle")]
    [InlineData("FootStepGrass1", "foot step grass")]
    [InlineData("swordhit_10a", "sword hit")]
    [InlineData("fs_gravel7", "footstep gravel")]
    [InlineData("Oxygen-Im-New-Mail", "new mail")]
    [InlineData("fire03", "fire")]
    [InlineData("c_11", "")]
    [InlineData("vacuum_cleaner", "vacuum cleaner")]
    [InlineData("creak_low_short", "creak low short")]
    public void WordsCleanFileNames(string name, string expected) =>
        Assert.Equal(expected, string.Join(' ', LabelRules.Words(name)));

    [Theory]
    [InlineData("attack/impact/arrow_stone_03.ogg", "attack/impact/arrow_stone")]
    [InlineData("attack/impact/arrow_stone_11.ogg", "attack/impact/arrow_stone")]
    [InlineData("Sounds/Bark2.ogg", "sounds/bark")]
    [InlineData("movement/mstep110.ogg", "movement/mstep")]
    [InlineData("weapon/swordhit_12b.ogg", "weapon/swordhit")]
    [InlineData("doors/creak_low_short.ogg", "doors/creak_low_short")]
    public void FamilyKeyDropsTheVariantNumber(string path, string expected) =>
        Assert.Equal(expected, LabelRules.FamilyKey(path));

    [Theory]
    [InlineData("A vacuum cleaner.", "vacuum cleaner")]
    [InlineData("An owl!", "owl")]
    [InlineData("  The   Moon  ", "moon")]
    [InlineData("Fireworks.", "fireworks")]
    public void CaptionTextBecomesAShortPhrase(string text, string expected) =>
        Assert.Equal(expected, LabelRules.CleanCaptionText(text));

    [Theory]
    [InlineData("a axe thrower attacking", "an axe thrower attacking")]
    [InlineData("A owl hooting", "An owl hooting")]
    [InlineData("a dog barking", "a dog barking")]
    [InlineData("a banana and a apple", "a banana and an apple")]
    [InlineData("pizza oven", "pizza oven")]
    public void ArticlesAgreeWithTheNextWord(string caption, string expected) =>
        Assert.Equal(expected, LabelRules.FixArticles(caption));
}
