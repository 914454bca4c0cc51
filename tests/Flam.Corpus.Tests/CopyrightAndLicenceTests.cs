using Flam.Synthesis.Corpus;

namespace Flam.Tests.Synthesis.Corpus;

public sealed class CopyrightAndLicenceTests
{
    // Shaped like ufoai-sound's and sound-theme-freedesktop's copyright files: multi-line Files fields, several
    // paragraphs, a later paragraph overriding "Files: *".
    private const string Sample = """
        Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
        Upstream-Name: Example

        Files: *
        Copyright: 2002-2014, The Team
        License: GPL-2+

        Files: stereo/bell.oga stereo/complete.oga
        Copyright: Dr. Richard Boulanger et al
        License: CC-BY-3.0

        Files:
         base/sound/doors/*
         base/sound/ambience/thunder?.ogg
        Copyright:
         2010, Someone
         2011, Someone Else
        License: CC-BY-SA-3.0
         Long licence text that is not part of the name.
         .
         More text.

        Files: debian/*
        Copyright: 2013 Packager
        License: GPL-2+
        """;

    public static TheoryData<string, string?, string?> Lookups => new()
    {
        { "stereo/bell.oga", "CC-BY-3.0", "Dr. Richard Boulanger et al" },
        { "stereo/dialog-error.oga", "GPL-2+", "2002-2014, The Team" },
        { "base/sound/doors/creak/low.ogg", "CC-BY-SA-3.0", "2010, Someone; 2011, Someone Else" },
        { "base/sound/ambience/thunder2.ogg", "CC-BY-SA-3.0", "2010, Someone; 2011, Someone Else" },
        { "base/sound/ambience/thunder22.ogg", "GPL-2+", "2002-2014, The Team" },
        { "debian/rules", "GPL-2+", "2013 Packager" },
    };

    [Theory]
    [MemberData(nameof(Lookups))]
    public void LastMatchingParagraphGivesLicenceAndHolders(string path, string? licence, string? copyright)
    {
        var file = CopyrightFile.Parse("copyright", Sample);
        Assert.True(file.IsMachineReadable);
        var record = file.Lookup(path);
        Assert.NotNull(record);
        Assert.Equal(licence, record.Licence);
        Assert.Equal(copyright, record.Copyright);
    }

    [Fact]
    public void ListsEveryLicenceAndRecognisesFreeFormFiles()
    {
        Assert.Equal(["GPL-2+", "CC-BY-3.0", "CC-BY-SA-3.0"], CopyrightFile.Parse("c", Sample).Licences);
        var freeForm = CopyrightFile.Parse("c", "This package was debianized by someone.\nIt is GPL.\n");
        Assert.False(freeForm.IsMachineReadable);
        Assert.Null(freeForm.Lookup("anything.ogg"));
    }

    [Fact]
    public void NoMatchingParagraphGivesNull()
    {
        var file = CopyrightFile.Parse("c", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: data/*\nCopyright: x\nLicense: MIT\n");
        Assert.Null(file.Lookup("sounds/a.ogg"));
        Assert.Equal("MIT", file.Lookup("data/sounds/a.ogg")?.Licence);
    }

    [Theory]
    [InlineData("CC-BY-SA-3.0", true)]
    [InlineData("CC-BY-3.0", true)]
    [InlineData("CC BY", true)]
    [InlineData("CC0", true)]
    [InlineData("ODbL-1.0", true)]
    [InlineData("DbCL-1.0", true)]
    [InlineData("Public Domain", true)]
    [InlineData("public-domain", true)]
    [InlineData("GPL-2+", true)]
    [InlineData("LGPL-3.0-or-later", true)]
    [InlineData("Expat", true)]
    [InlineData("Battle-Tanks-License", true)]
    [InlineData("CC-BY-NC-3.0", false)]
    [InlineData("CC-BY-NC-SA-4.0", false)]
    [InlineData("CC BY-ND 4.0", false)]
    [InlineData("other", false)]
    [InlineData("", false)]
    [InlineData("non-free", false)]
    public void OnlyFreeLicencesAreAccepted(string licence, bool free) => Assert.Equal(free, LicencePolicy.IsFree(licence));

    [Fact]
    public void FolderLicenceTableIsRead()
    {
        const string md = """
            # Ambience
            | file | content | author | licence |
            |---|---|---|---|
            | birds.ogg | birdsong | kvgarlic (freesound 156826) | CC0 |
            | city.ogg | city traffic | gezortenplotz | CC BY |
            """;
        var rows = FolderLicences.Parse("LICENSES.md", md);
        Assert.Equal(2, rows.Count);
        Assert.Equal("city traffic", rows["city.ogg"].Content);
        Assert.Equal(new LicenceRecord("CC0", "kvgarlic (freesound 156826)"), rows["birds.ogg"].Record);
    }

    [Fact]
    public void FolderWithoutLicenceTableIsRefused()
    {
        var e = Assert.Throws<FlamException>(() => FolderLicences.Parse("LICENSES.md", "# nothing here\n"));
        Assert.Contains("LICENSES.md", e.Message);
        using var dir = FixturePaths.NewTempDirectory();
        var missing = Assert.Throws<FlamException>(() => FolderLicences.Read(dir));
        Assert.Contains(dir, missing.Message);
    }
}
