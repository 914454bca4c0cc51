using System.Text.Json;
using Flam.Audio;
using Microsoft.AspNetCore.Builder;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Flam.Tests.Server;

/// <summary>
/// A headless Debian chromium (driven through /usr/bin/chromedriver) against a real server: the page's five steps —
/// search and play, the file view with lanes added and removed, detection in a chosen file, live listening through
/// Chromium's fake microphone (a WAV file), and the CSV and Audacity-label exports. Screenshots of each step go to
/// <see cref="ScreenshotFolder"/> (overwritten on every run).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class PageTests(PageTests.Browser browser) : IClassFixture<PageTests.Browser>
{
    /// <summary>Where each step's screenshot is saved.</summary>
    public static readonly string ScreenshotFolder = Path.Combine(Path.GetTempPath(), "flam-serve-screenshots");

    private ChromeDriver Driver => browser.Driver;

    private WebDriverWait Wait(double seconds = 60) => new(Driver, TimeSpan.FromSeconds(seconds)) { PollingInterval = TimeSpan.FromMilliseconds(100) };

    private void Open()
    {
        Driver.Navigate().GoToUrl(browser.Address);
        Wait().Until(d => d.FindElement(By.Id("info")).Text.StartsWith("model ", StringComparison.Ordinal));
    }

    private void Screenshot(string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        Driver.GetScreenshot().SaveAsFile(Path.Combine(ScreenshotFolder, name + ".png"));
    }

    private object? Script(string script, params object[] args) => Driver.ExecuteScript(script, args);

    private void Search(string query)
    {
        var threshold = Driver.FindElement(By.Id("search-threshold"));
        threshold.Clear();
        threshold.SendKeys("0.2"); // the micro model's probabilities stay low
        var box = Driver.FindElement(By.Id("search-query"));
        box.Clear();
        box.SendKeys(query + Keys.Enter);
        Wait().Until(d => d.FindElements(By.CssSelector("#results li")).Count > 0);
    }

    [Fact]
    public async Task Step1_a_search_lists_moments_with_a_spectrogram_strip_and_plays_from_the_moment()
    {
        Open();
        Search("a bell");
        var expected = JsonDocument.Parse(await browser.Server.Client.GetStringAsync("/api/search?q=a%20bell&top=10&threshold=0.2")).RootElement.GetProperty("results");
        Assert.Equal(expected.GetArrayLength(), Driver.FindElements(By.CssSelector("#results li")).Count);
        var first = expected[0];
        var onset = first.GetProperty("onset").GetDouble();
        Assert.Contains(Path.GetFileName(first.GetProperty("file").GetString()!), Driver.FindElement(By.CssSelector("#results li .open-file")).Text, StringComparison.Ordinal);
        Wait().Until(_ => (bool)Script("const i = document.querySelector('#results li img'); return i.complete && i.naturalWidth === 640;")!);
        Driver.FindElement(By.CssSelector("#results li .hit button")).Click();
        Wait().Until(_ => (bool)Script($"const p = document.getElementById('player'); return p.readyState >= 1 && Math.abs(p.currentTime - {onset.ToString(System.Globalization.CultureInfo.InvariantCulture)}) < 0.6;")!);
        Assert.Contains("/audio", (string)Script("return document.getElementById('player').currentSrc;")!, StringComparison.Ordinal);
        Screenshot("1-search");
    }

    [Fact]
    public void Step2_a_result_opens_the_whole_file_with_one_lane_per_query_that_can_be_added_and_removed()
    {
        Open();
        Search("a bell");
        Driver.FindElement(By.CssSelector("#results li .open-file")).Click();
        Wait().Until(d => d.FindElements(By.CssSelector("#view-lanes .lane")).Count == 1);
        Assert.Equal("view-heading", Driver.SwitchTo().ActiveElement().GetAttribute("id")); // focus moves to the view
        var lane = Driver.FindElement(By.Id("lane-query"));
        lane.SendKeys("a dog barking" + Keys.Enter);
        Wait().Until(d => d.FindElements(By.CssSelector("#view-lanes .lane")).Count == 2);
        Wait().Until(_ => (bool)Script("const i = document.getElementById('view-spectrogram'); return i.complete && i.naturalWidth === 1000;")!);
        Screenshot("2-file-view");
        Driver.FindElement(By.CssSelector("#view-lanes .lane button[aria-label='Remove lane a bell']")).Click();
        Wait().Until(d => d.FindElements(By.CssSelector("#view-lanes .lane")).Count == 1);
        Assert.StartsWith("a dog barking:", Driver.FindElement(By.CssSelector("#view-lanes .lane-head span")).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Step3_and_5_a_chosen_file_is_detected_without_indexing_and_what_is_shown_exports_as_csv_and_labels()
    {
        Open();
        Driver.FindElement(By.Id("detect-file")).SendKeys(browser.Server.Audio[1]);
        var queries = Driver.FindElement(By.Id("detect-queries"));
        queries.Clear();
        queries.SendKeys("a bell\nwater running");
        Driver.FindElement(By.CssSelector("#detect-form button[type=submit]")).Click();
        Wait().Until(d => d.FindElement(By.Id("detect-status")).Text.Contains("event(s)", StringComparison.Ordinal));
        Assert.Equal(2, Driver.FindElements(By.CssSelector("#detect-lanes .lane")).Count);
        Screenshot("3-detect");

        // The page's events are the API's events for the same upload.
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(File.ReadAllBytes(browser.Server.Audio[1])), "audio", Path.GetFileName(browser.Server.Audio[1]) },
            { new StringContent("a bell"), "query" },
            { new StringContent("water running"), "query" },
        };
        var report = JsonDocument.Parse(await (await browser.Server.Client.PostAsync("/api/detect", form)).Content.ReadAsStringAsync()).RootElement;
        var events = report.GetProperty("files")[0].GetProperty("queries").EnumerateArray()
            .SelectMany(q => q.GetProperty("events").EnumerateArray().Select(e => (Query: q.GetProperty("query").GetString()!, Onset: e.GetProperty("onset").GetDouble()))).ToList();

        Driver.FindElement(By.Id("export-csv")).Click();
        var csv = browser.Downloaded("take1.events.csv").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("file,query,onset,offset,max,mean", csv[0]);
        Assert.Equal(events.Select(e => $"take1.wav,{e.Query},{e.Onset.ToString(System.Globalization.CultureInfo.InvariantCulture)}"), csv[1..].Select(r => string.Join(',', r.Split(',')[..3])));
        Driver.FindElement(By.Id("export-labels")).Click();
        var labels = browser.Downloaded("take1.labels.txt").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(events.Select(e => $"{e.Onset:F6}\t{e.Query}"), labels.Select(l => l.Split('\t')[0] + "\t" + l.Split('\t')[2]));
        Screenshot("5-export");
    }

    [Fact]
    public void Step4_listening_streams_the_microphone_and_shows_the_servers_events()
    {
        Open();
        var queries = Driver.FindElement(By.Id("live-queries"));
        queries.Clear();
        queries.SendKeys("a bell");
        var threshold = Driver.FindElement(By.Id("live-threshold"));
        threshold.Clear();
        threshold.SendKeys("0.001"); // the micro model's probabilities are arbitrary: every frame is above this
        Driver.FindElement(By.Id("live-button")).Click();
        Wait(90).Until(d => d.FindElements(By.CssSelector("#live-events .live-event")).Count > 0);
        Assert.EndsWith(" s start a bell", Driver.FindElement(By.CssSelector("#live-events .live-event")).Text, StringComparison.Ordinal);
        Assert.Equal("Stop", Driver.FindElement(By.Id("live-button")).Text);
        Wait().Until(_ => (long)Script("return document.querySelectorAll('#live-lanes canvas').length;")! == 1);
        Screenshot("4-live");
        Driver.FindElement(By.Id("live-button")).Click();
        Assert.Equal("Listen", Driver.FindElement(By.Id("live-button")).Text);
    }

    [Fact]
    public void Every_field_has_a_label_and_the_page_fits_a_phone_width()
    {
        Open();
        Assert.True((bool)Script("return [...document.querySelectorAll('input, textarea')].every(e => e.labels.length > 0 && e.labels[0].textContent.trim().length > 0);")!);
        Driver.Manage().Window.Size = new System.Drawing.Size(390, 844);
        try
        {
            Open();
            Search("a bell");
            var wide = (string)Script("return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + '#' + e.id + '.' + e.className).join(' ');")!;
            Assert.True(wide.Length == 0, "wider than 390 px: " + wide);
            Screenshot("phone");
        }
        finally
        {
            Driver.Manage().Window.Size = new System.Drawing.Size(1200, 1400);
        }
    }

    /// <summary>The server (its own, so the API tests' small limits do not apply) and one headless chromium for all steps.</summary>
    public sealed class Browser : IAsyncLifetime
    {
        private WebApplication? _app;

        public ServerFixture Server { get; } = new();

        public ChromeDriver Driver { get; private set; } = null!;

        public string Address { get; private set; } = "";

        private string Downloads => Server.Temp("downloads");

        public async Task InitializeAsync()
        {
            await Server.InitializeAsync();
            var (app, client) = await Server.Start(ServerFixture.Options(Server.Index) with { MaxUploadMegabytes = 50, MaxQueuedDetections = 8 });
            _app = app;
            Address = client.BaseAddress!.ToString();
            client.Dispose();
            // The fake microphone: 20 s of the fixture's recording, looped by chromium.
            var microphone = Server.Temp("microphone.wav");
            WavWriter.Write(microphone, ServerFixture.Recording(20, 48000, seed: 4), 48000);
            Directory.CreateDirectory(Downloads);

            var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
            service.SuppressInitialDiagnosticInformation = true;
            service.HideCommandPromptWindow = true;
            var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
            options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,1400",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--use-file-for-fake-audio-capture=" + microphone,
                "--autoplay-policy=no-user-gesture-required", "--mute-audio");
            options.AddUserProfilePreference("download.default_directory", Downloads);
            options.AddUserProfilePreference("download.prompt_for_download", false);
            Driver = new ChromeDriver(service, options, TimeSpan.FromMinutes(2));
        }

        /// <summary>The text of a file the page downloaded, once it is complete.</summary>
        public string Downloaded(string name)
        {
            var path = Path.Combine(Downloads, name);
            for (var i = 0; i < 200 && !File.Exists(path); i++)
            {
                Thread.Sleep(100);
            }
            Assert.True(File.Exists(path), $"{name} was not downloaded; the folder holds: {string.Join(", ", Directory.GetFiles(Downloads).Select(Path.GetFileName))}");
            var text = File.ReadAllText(path);
            File.Delete(path);
            return text;
        }

        public async Task DisposeAsync()
        {
            Driver?.Quit();
            Driver?.Dispose();
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
            await Server.DisposeAsync();
        }
    }
}
