using ScottPlot;
using SkiaSharp;

namespace Flam.Cli.Plots;

/// <summary>
/// Makes plots render text identically everywhere: ScottPlot's default font is DejaVu Sans, shipped inside this
/// assembly, so a machine without any system fonts (a fresh Debian container) still gets labels and tick numbers.
/// </summary>
internal static class PlotFonts
{
    /// <summary>The family every Flam plot uses.</summary>
    public const string Family = "DejaVu Sans";

    private static readonly Lazy<bool> Registered = new(Register, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Registers the embedded font with ScottPlot once; call before creating a <see cref="Plot"/>.</summary>
    public static void EnsureRegistered() => _ = Registered.Value;

    private static bool Register()
    {
        Fonts.FontResolvers.Insert(0, new EmbeddedFontResolver());
        Fonts.Default = Family;
        return true;
    }

    /// <summary>Serves DejaVu Sans (regular and bold) from embedded resources.</summary>
    private sealed class EmbeddedFontResolver : IFontResolver
    {
        private readonly SKTypeface _regular = Load("DejaVuSans.ttf");
        private readonly SKTypeface _bold = Load("DejaVuSans-Bold.ttf");

        public bool Exists(string fontName) => fontName == Family;

        public SKTypeface CreateTypeface(string fontName, bool bold, bool italic) => bold ? _bold : _regular;

        public SKTypeface CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            (int)weight >= (int)FontWeight.SemiBold ? _bold : _regular;

        private static SKTypeface Load(string file)
        {
            using var stream = typeof(PlotFonts).Assembly.GetManifestResourceStream("Flam.Cli.Plots.Fonts." + file)
                ?? throw new InvalidOperationException($"Embedded font {file} is missing from the build.");
            return SKTypeface.FromStream(stream) ?? throw new InvalidOperationException($"Embedded font {file} could not be read.");
        }
    }
}
