using Flam.Audio;
using Flam.Synthesis;
using static Flam.Tests.Synthesis.SynthesisTestData;

namespace Flam.Tests.Synthesis;

public class MixtureGeneratorTests
{
    private static readonly SynthesisOptions OneEvent = new()
    {
        MinEvents = 1,
        MaxEvents = 1,
        SplitProbability = 0,
        RepeatProbability = 0,
    };

    private static MixtureGenerator Generator(IReadOnlyDictionary<string, float[]> events, IReadOnlyDictionary<string, float[]> backgrounds,
        SynthesisOptions options, IReadOnlyDictionary<string, SourceKind>? kinds = null)
    {
        var (library, audio) = InMemory(events, backgrounds, options, kinds);
        return new MixtureGenerator(library, options, audio);
    }

    [Fact]
    public void EventWithA300MsGapGetsTwoLabelledSegmentsInTheMixture()
    {
        var generator = Generator(
            new Dictionary<string, float[]> { ["door_knock.wav"] = Concat(Tone(1.0), Silence(0.3), Tone(1.0)) },
            new Dictionary<string, float[]> { ["hall.wav"] = Noise(10, 0.01, 1) }, OneEvent);
        for (var seed = 0; seed < 5; seed++)
        {
            var recipe = generator.Generate(seed, 0).Recipe;
            var labels = recipe.Entry.Events!;
            Assert.Equal(2, labels.Count);
            Assert.All(labels, l => Assert.Equal("door knock", l.Text));
            // Each segment covers its tone (1 s) to within one 25 ms frame; the gap between them is ≥ 250 ms.
            Assert.All(labels, l => Assert.InRange(l.Offset - l.Onset, 0.975, 1.026));
            Assert.InRange(labels[1].Onset - labels[0].Offset, 0.25, 0.3001);
        }
    }

    [Fact]
    public void EventWithA100MsGapGetsOneLabel()
    {
        var generator = Generator(
            new Dictionary<string, float[]> { ["door_knock.wav"] = Concat(Tone(1.0), Silence(0.1), Tone(1.0)) },
            new Dictionary<string, float[]> { ["hall.wav"] = Noise(10, 0.01, 1) }, OneEvent);
        var label = Assert.Single(generator.Generate(3, 0).Recipe.Entry.Events!);
        Assert.InRange(label.Offset - label.Onset, 2.075, 2.1001);
    }

    [Fact]
    public void FadesAreTenMillisecondsLinearAtBothEnds()
    {
        // Silent background: the mixture is the placed event alone, so its envelope is visible sample by sample.
        var steady = Concat(Enumerable.Repeat(0.5f, 48000).ToArray());
        var generator = Generator(
            new Dictionary<string, float[]> { ["dc.wav"] = steady },
            new Dictionary<string, float[]> { ["quiet.wav"] = Silence(10) }, OneEvent with { Labels = new LabelOptions { SilenceFloorDbfs = -200 } });
        var mixture = generator.Generate(11, 0);
        var instance = Assert.Single(Assert.Single(mixture.Recipe.Events).Instances);
        var level = mixture.Samples[instance.Onset + 24000];
        Assert.True(level > 0);
        const int fade = 480; // 10 ms at 48 kHz
        for (var n = 0; n < fade; n++)
        {
            Assert.Equal((n + 1.0) / (fade + 1), mixture.Samples[instance.Onset + n] / level, 4);
            Assert.Equal((n + 1.0) / (fade + 1), mixture.Samples[instance.Onset + 48000 - 1 - n] / level, 4);
        }
        Assert.Equal(1.0, mixture.Samples[instance.Onset + fade] / level, 5);
        Assert.Equal(1.0, mixture.Samples[instance.Onset + 48000 - 1 - fade] / level, 5);
        Assert.Equal(0f, mixture.Samples[instance.Onset - 1]);
        Assert.Equal(0f, mixture.Samples[instance.Onset + 48000]);
    }

    [Fact]
    public void NeverMoreThanThreeEventsActiveAtOnce()
    {
        // Many short events and many draws per mixture make the limit bite; checked on the written labels over 150 seeds.
        var events = new Dictionary<string, float[]>();
        for (var i = 0; i < 8; i++)
        {
            events[$"sound_{(char)('a' + i)}.wav"] = Tone(0.5 + 0.4 * i, 300 + 250 * i, 0.2);
        }
        var options = new SynthesisOptions { MinEvents = 6, MaxEvents = 10, SplitProbability = 0.2, RepeatProbability = 0.3 };
        var generator = Generator(events, new Dictionary<string, float[]> { ["bg.wav"] = Noise(12, 0.02, 9) }, options);
        var maxSeen = 0;
        var dropped = 0;
        for (var seed = 0; seed < 150; seed++)
        {
            var recipe = generator.Generate(seed, seed % 7).Recipe;
            dropped += recipe.Counters.UnplacedInstances;
            var intervals = Intervals(recipe).ToList();
            // Brute force: depth at every interval start (the maximum of a step function is reached at a start).
            foreach (var (on, _, text) in intervals)
            {
                var depth = intervals.Count(i => i.On <= on && on < i.Off);
                maxSeen = Math.Max(maxSeen, depth);
                Assert.True(depth <= 3, $"seed {seed}: {depth} events active at {on} s");
                Assert.Equal(1, intervals.Count(i => i.Text == text && i.On <= on && on < i.Off));
            }
        }
        Assert.Equal(3, maxSeen);   // the limit is reached, so the check above is not vacuous
        Assert.True(dropped > 0);
    }

    [Fact]
    public void MeasuredLoudnessOffsetInTheMixMatchesTheDrawnOne()
    {
        var background = Noise(12, 0.05, 21);
        var events = new Dictionary<string, float[]>
        {
            ["buzz.wav"] = Concat(Noise(0.4, 0.3, 22), Silence(0.6), Noise(0.7, 0.1, 23)),
            ["chime.wav"] = Tone(1.5, 2000, 0.4),
            ["rumble.wav"] = Tone(2.0, 120, 0.6),
        };
        var generator = Generator(events, new Dictionary<string, float[]> { ["bg.wav"] = background }, OneEvent with { MinOffsetDb = -10, MaxOffsetDb = 20 });
        var filter = new AWeightingFilter(Rate);
        for (var seed = 0; seed < 12; seed++)
        {
            var mixture = generator.Generate(seed, 0);
            var recipe = mixture.Recipe;
            var outputGain = Math.Pow(10, recipe.OutputGainDb / 20);
            var start = (int)Math.Round(recipe.BackgroundStart * Rate);
            var excerpt = background.AsSpan(start, mixture.Samples.Length).ToArray();
            // The event's contribution = mixture − background (both scaled by the mixture's peak gain).
            var eventTrack = new float[excerpt.Length];
            for (var n = 0; n < excerpt.Length; n++)
            {
                eventTrack[n] = (float)(mixture.Samples[n] / outputGain - excerpt[n]);
            }
            var weightedEvent = filter.Apply(eventTrack);
            var weightedBackground = filter.Apply(excerpt);
            double eventSum = 0, count = 0;
            foreach (var label in recipe.Entry.Events!)
            {
                for (var n = (int)Math.Round(label.Onset * Rate); n < (int)Math.Round(label.Offset * Rate); n++)
                {
                    eventSum += (double)weightedEvent[n] * weightedEvent[n];
                    count++;
                }
            }
            var backgroundPower = weightedBackground.Sum(x => (double)x * x) / weightedBackground.Length;
            var measured = 10 * Math.Log10(eventSum / count / backgroundPower);
            var drawn = Assert.Single(recipe.Events).OffsetDb;
            Assert.True(Math.Abs(measured - drawn) <= 0.5, $"seed {seed}: measured {measured:0.###} dB, drawn {drawn:0.###} dB");
        }
    }

    [Fact]
    public void SameSeedAndIndexGiveTheSameMixtureAndOthersDiffer()
    {
        var generator = Generator(
            new Dictionary<string, float[]> { ["a.wav"] = Tone(1), ["b.wav"] = Noise(0.7, 0.2, 3) },
            new Dictionary<string, float[]> { ["bg.wav"] = Noise(11, 0.02, 4) }, new SynthesisOptions());
        Assert.Equal(generator.Generate(5, 3).Samples, generator.Generate(5, 3).Samples);
        Assert.NotEqual(generator.Generate(5, 3).Samples, generator.Generate(5, 4).Samples);
        Assert.NotEqual(generator.Generate(5, 3).Samples, generator.Generate(6, 3).Samples);
    }

    [Fact]
    public void EffectAndGeneralSourcesAreDrawnAbout80To20()
    {
        var events = new Dictionary<string, float[]> { ["fx.wav"] = Tone(0.5, 500), ["field.wav"] = Tone(0.5, 900) };
        var kinds = new Dictionary<string, SourceKind> { ["fx.wav"] = SourceKind.Effect, ["field.wav"] = SourceKind.General };
        var generator = Generator(events, new Dictionary<string, float[]> { ["bg.wav"] = Noise(10, 0.02, 4) }, OneEvent, kinds);
        var general = Enumerable.Range(0, 200).Count(i => generator.Generate(1, i).Recipe.Events.Single().Kind == SourceKind.General);
        Assert.InRange(general, 20, 60); // 20 % of 200 = 40; ±3.5 standard deviations
    }

    [Fact]
    public void SilentEventsAreDroppedAndCounted()
    {
        var generator = Generator(
            new Dictionary<string, float[]> { ["nothing.wav"] = Silence(1) },
            new Dictionary<string, float[]> { ["bg.wav"] = Noise(10, 0.02, 4) }, OneEvent);
        var recipe = generator.Generate(0, 0).Recipe;
        Assert.Empty(recipe.Events);
        Assert.Empty(recipe.Entry.Events!);
        Assert.Equal(1, recipe.Counters.SilentEvents);
    }

    [Fact]
    public void SplitSegmentsAreAtLeastHalfASecondAndRepeatsAreTwoToFour()
    {
        var generator = Generator(
            new Dictionary<string, float[]> { ["long_tone.wav"] = Tone(3.0) },
            new Dictionary<string, float[]> { ["bg.wav"] = Noise(10, 0.02, 4) },
            OneEvent with { SplitProbability = 0.5, RepeatProbability = 0.5, MaxConcurrentEvents = 10 });
        var (splits, repeats) = (0, 0);
        for (var i = 0; i < 60; i++)
        {
            var placed = generator.Generate(2, i).Recipe.Events.Single();
            if (placed.Treatment == EventTreatment.Split)
            {
                splits++;
                Assert.InRange(placed.Instances.Count, 2, 3);
                Assert.All(placed.Instances, s => Assert.True(s.SourceEnd - s.SourceStart >= 24000));
                Assert.Equal(Tone(3.0).Length, placed.Instances.Max(s => s.SourceEnd));
            }
            else
            {
                repeats++;
                Assert.Equal(EventTreatment.Repeat, placed.Treatment);
                Assert.InRange(placed.Instances.Count, 2, 4);
            }
        }
        Assert.True(splits > 10 && repeats > 10);
    }
}
