using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SevenStamp.Connectors.CsvDrop.Tests;

/// <summary>
/// File-system set-ups .NET has no call for: a writer that takes no advisory lock (as Python, Java, shells and most
/// POS exporters open files; .NET's FileStream takes one on Linux), a hard link, a named pipe.
/// </summary>
internal static partial class UnixTestFiles
{
    private const int OWriteOnly = 0x1;
    private const int OCreate = 0x40;
    private const int OExclusive = 0x80;
    private const int OCloExec = 0x80000;

    /// <summary>A FileStream writing a new file, opened with plain <c>open(2)</c>: no lock, as a non-.NET writer holds it.</summary>
    public static FileStream CreateUnlockedWriter(string path)
    {
        var fd = Open(path, OWriteOnly | OCreate | OExclusive | OCloExec, Convert.ToInt32("644", 8));
        Assert.True(fd >= 0, $"open failed with error {Marshal.GetLastPInvokeError()}");
        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, bufferSize: 0);
    }

    public static void CreateHardLink(string existing, string link) =>
        Assert.True(Link(existing, link) == 0, $"link failed with error {Marshal.GetLastPInvokeError()}");

    public static void CreateNamedPipe(string path) =>
        Assert.True(MakeFifo(path, Convert.ToInt32("644", 8)) == 0, $"mkfifo failed with error {Marshal.GetLastPInvokeError()}");

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string link);

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFifo(string path, int mode);
}
