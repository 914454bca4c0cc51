namespace Flam.Audio;

/// <summary>
/// Mel filter banks and window functions computed exactly as librosa / scipy compute them, so that the front end
/// reproduces the torchlibrosa layers the FLAM checkpoints were trained with.
/// </summary>
public static class MelFilterBank
{
    // Slaney's Auditory Toolbox mel scale: linear below 1 kHz (3 mels per 200 Hz), logarithmic above.
    private const double LinearStepHz = 200.0 / 3.0;
    private const double LogStartHz = 1000.0;
    private const double LogStartMel = LogStartHz / LinearStepHz;
    private static readonly double LogStep = Math.Log(6.4) / 27.0;

    /// <summary>Hertz to mels on the Slaney scale (librosa <c>hz_to_mel(htk=False)</c>).</summary>
    public static double HzToMel(double hz) =>
        hz >= LogStartHz ? LogStartMel + Math.Log(hz / LogStartHz) / LogStep : hz / LinearStepHz;

    /// <summary>Mels to hertz on the Slaney scale (librosa <c>mel_to_hz(htk=False)</c>).</summary>
    public static double MelToHz(double mel) =>
        mel >= LogStartMel ? LogStartHz * Math.Exp(LogStep * (mel - LogStartMel)) : LinearStepHz * mel;

    /// <summary>
    /// The Slaney-normalised triangular mel filter bank of librosa
    /// <c>filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm='slaney', dtype=float32)</c>:
    /// <c>n_mels + 2</c> band edges equally spaced in mels, triangles evaluated at the <c>rfftfreq</c> bin centres in
    /// float64, each row scaled by <c>2 / (f[i+2] - f[i])</c> (equal area). Rounding follows librosa: the triangles are
    /// stored as float32, then scaled in float64 and rounded again.
    /// </summary>
    /// <returns>Weights laid out <c>[nMels, nFft / 2 + 1]</c>, row-major (librosa's layout).</returns>
    public static float[,] Slaney(int sampleRate, int nFft, int nMels, double fMin, double fMax)
    {
        if (sampleRate <= 0 || nFft <= 0 || nMels <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), "Sample rate, FFT size and mel count must be positive.");
        }
        if (!(fMin >= 0 && fMin < fMax && fMax <= sampleRate / 2.0))
        {
            throw new ArgumentOutOfRangeException(nameof(fMin), $"Need 0 <= fMin < fMax <= sampleRate / 2, got {fMin}..{fMax} Hz at {sampleRate} Hz.");
        }
        int nFreqs = nFft / 2 + 1;
        // np.fft.rfftfreq(n, d=1/sr): k * (1 / (n * d)), evaluated in that order.
        double binSpacing = 1.0 / (nFft * (1.0 / sampleRate));
        var fftFreqs = new double[nFreqs];
        for (int k = 0; k < nFreqs; k++) fftFreqs[k] = k * binSpacing;

        // librosa.mel_frequencies: np.linspace(min_mel, max_mel, n_mels + 2) then back to Hz.
        double minMel = HzToMel(fMin), maxMel = HzToMel(fMax);
        int nEdges = nMels + 2;
        double melStep = (maxMel - minMel) / (nEdges - 1);
        var edges = new double[nEdges];
        for (int i = 0; i < nEdges; i++)
        {
            edges[i] = MelToHz(i == nEdges - 1 ? maxMel : i * melStep + minMel);
        }

        var weights = new float[nMels, nFreqs];
        for (int m = 0; m < nMels; m++)
        {
            double lowerWidth = edges[m + 1] - edges[m];
            double upperWidth = edges[m + 2] - edges[m + 1];
            double areaNorm = 2.0 / (edges[m + 2] - edges[m]);
            for (int k = 0; k < nFreqs; k++)
            {
                double lower = -(edges[m] - fftFreqs[k]) / lowerWidth;
                double upper = (edges[m + 2] - fftFreqs[k]) / upperWidth;
                float triangle = (float)Math.Max(0.0, Math.Min(lower, upper));
                weights[m, k] = (float)(triangle * areaNorm);
            }
        }
        return weights;
    }

    /// <summary>
    /// The periodic Hann window of scipy <c>get_window('hann', length, fftbins=True)</c>:
    /// <c>0.5 + 0.5 cos(x)</c> for <c>x = linspace(-pi, pi, length + 1)</c> without its last point, computed in
    /// float64 and rounded to float32.
    /// </summary>
    public static float[] PeriodicHann(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var window = new float[length];
        double step = 2.0 * Math.PI / length;
        for (int n = 0; n < length; n++)
        {
            window[n] = (float)(0.5 + 0.5 * Math.Cos(n * step + -Math.PI));
        }
        return window;
    }
}
