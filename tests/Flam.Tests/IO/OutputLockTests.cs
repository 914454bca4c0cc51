using Flam.IO;

namespace Flam.Tests.IO;

public class OutputLockTests
{
    [Fact]
    public void ASecondHolderIsRefusedNamingTheFolderAndTheFirstProcess()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var folder = Path.Combine(temp, "out");
        using (OutputLock.Acquire(folder, "flam test-one"))
        {
            var e = Assert.Throws<FlamException>(() => OutputLock.Acquire(folder, "flam test-two"));
            Assert.Contains($"'{folder}' is in use by another process (PID {Environment.ProcessId}, 'flam test-one', since ", e.Message);
        }
        // Released: the folder is free again, and no lock file is left in it.
        using (OutputLock.Acquire(folder, "flam test-two"))
        {
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
    }

    [Fact]
    public void LockFilesLeftByAKilledProcessDoNotBlock()
    {
        using var folder = FixturePaths.NewTempDirectory();
        // What a SIGKILLed holder leaves: both files, but no OS lock (the kernel dropped it with the process).
        File.WriteAllText(Path.Combine(folder, OutputLock.FileName), "");
        File.WriteAllText(Path.Combine(folder, OutputLock.HolderFileName), "{\"pid\":999999,\"command\":\"flam train\",\"started\":\"then\"}\n");
        using var held = OutputLock.Acquire(folder, "flam test");
        Assert.Contains($"\"pid\":{Environment.ProcessId}", File.ReadAllText(Path.Combine(folder, OutputLock.HolderFileName)));
    }
}
