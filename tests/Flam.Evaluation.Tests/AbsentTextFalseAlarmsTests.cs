using Flam.Evaluation;
using Flam.IO;

namespace Flam.Tests.Evaluation;

/// <summary><see cref="AbsentTextFalseAlarms"/> on a score set counted by hand.</summary>
public sealed class AbsentTextFalseAlarmsTests
{
    private static ClipFrameOutputs Clip(string id, string[] present, Dictionary<string, float[]> scores) =>
        new(id, 1.0, 0.25, [.. present.Select(t => new ManifestEvent(t, 0, 0.5))], scores);

    [Fact]
    public void CountsOnlyTextsAbsentFromEachClip()
    {
        // c1 has "dog": its dog frames never count. Absent pairs: (c1, car) 1 of 4 above 0.5; (c2, dog) 0 of 4 (0.5 is not
        // above); (c2, car) 2 of 4. Frames 3/12, pairs firing 2/3.
        var clips = new[]
        {
            Clip("c1", ["dog"], new() { ["dog"] = [0.9f, 0.9f, 0.9f, 0.9f], ["car"] = [0.6f, 0.1f, 0.2f, 0.3f] }),
            Clip("c2", [], new() { ["dog"] = [0.5f, 0.5f, 0.1f, 0f], ["car"] = [0.7f, 0.51f, 0.2f, 0.3f] }),
        };
        var result = AbsentTextFalseAlarms.Compute(clips, ["dog", "car"], 0.5);
        Assert.Equal(3.0 / 12, result.FrameRate, 12);
        Assert.Equal(2.0 / 3, result.PairRate, 12);
        Assert.Equal(3, result.Pairs);
    }

    [Fact]
    public void MissingOutputsAreAnError()
    {
        var clips = new[] { Clip("c1", [], new() { ["dog"] = [0.1f] }) };
        Assert.Throws<ArgumentException>(() => AbsentTextFalseAlarms.Compute(clips, ["car"], 0.5));
        Assert.True(double.IsNaN(AbsentTextFalseAlarms.Compute(clips, [], 0.5).FrameRate));
    }
}
