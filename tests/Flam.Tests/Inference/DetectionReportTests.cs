using System.Text.Json;
using Flam.Inference;

namespace Flam.Tests.Inference;

public sealed class DetectionReportTests
{
    private static readonly DetectionResult Result = new("a,b.wav", 1.0, 0.3125,
    [
        new QueryDetection("dog, barking", [0.2f, 0.9f, 0.8f, 0.1f], [0.2f, 0.8f, 0.8f, 0.1f], [new SoundEvent("dog, barking", 0.3125, 0.9375, 0.8f, 0.8f)]),
        new QueryDetection("glass", [0.6f, 0.6f, 0.6f, 0.6f], [0.6f, 0.6f, 0.6f, 0.6f], [new SoundEvent("glass", 0, 1.0, 0.6f, 0.6f)]),
    ]);

    [Fact]
    public void Json_holds_events_and_smoothed_frames()
    {
        using var json = JsonDocument.Parse(DetectionReport.ToJson("m", [Result], frames: true));
        var query = json.RootElement.GetProperty("files")[0].GetProperty("queries")[0];
        Assert.Equal("dog, barking", query.GetProperty("query").GetString());
        Assert.Equal([0.2, 0.8, 0.8, 0.1], query.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()));
        var e = query.GetProperty("events")[0];
        Assert.Equal((0.3125, 0.9375, 0.8, 0.8), (e.GetProperty("onset").GetDouble(), e.GetProperty("offset").GetDouble(), e.GetProperty("max").GetDouble(), e.GetProperty("mean").GetDouble()));
    }

    [Fact]
    public void Tables_sort_events_by_onset_and_quote_csv_fields()
    {
        Assert.Equal("filename\tonset\toffset\tevent_label\na,b.wav\t0\t1\tglass\na,b.wav\t0.3125\t0.9375\tdog, barking\n",
            DetectionReport.ToTable([Result], '\t', frames: false));
        Assert.Equal("filename,onset,offset,event_label,max,mean\n\"a,b.wav\",0,1,glass,0.6,0.6\n\"a,b.wav\",0.3125,0.9375,\"dog, barking\",0.8,0.8\n",
            DetectionReport.ToTable([Result], ',', frames: false));
    }

    [Fact]
    public void Frame_table_has_a_column_per_query_and_cuts_the_last_frame_at_the_duration()
    {
        var lines = DetectionReport.ToTable([Result], '\t', frames: true).TrimEnd('\n').Split('\n');
        Assert.Equal("filename\tonset\toffset\tdog, barking\tglass", lines[0]);
        Assert.Equal("a,b.wav\t0.9375\t1\t0.1\t0.6", lines[^1]);
        Assert.Equal(5, lines.Length);
    }

    [Fact]
    public void Audacity_labels_are_start_end_label_with_six_decimals_sorted_by_onset()
    {
        Assert.Equal("0.000000\t1.000000\tglass\n0.312500\t0.937500\tdog, barking\n", DetectionReport.ToAudacityLabels(Result));
        Assert.Equal(DetectionReport.ToAudacityLabels(Result), DetectionReport.Format(DetectionFormat.Audacity, "m", [Result], frames: false));
    }

    [Fact]
    public void Raven_selection_table_numbers_events_in_onset_order_over_the_mel_band()
    {
        Assert.Equal(
            "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation\tMax Probability\tMean Probability\n"
            + "1\tSpectrogram 1\t1\t0.000000\t1.000000\t50.0\t14000.0\tglass\t0.600000\t0.600000\n"
            + "2\tSpectrogram 1\t1\t0.312500\t0.937500\t50.0\t14000.0\tdog, barking\t0.800000\t0.800000\n",
            DetectionReport.ToRavenSelections(Result));
    }

    [Fact]
    public void Label_track_formats_refuse_several_recordings()
    {
        Assert.Throws<ArgumentException>(() => DetectionReport.Format(DetectionFormat.Raven, "m", [Result, Result], frames: false));
        Assert.Throws<ArgumentException>(() => DetectionReport.Format(DetectionFormat.Audacity, "m", [], frames: false));
    }
}
