using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SevenStamp.Connectors.CsvDrop;

/// <summary>What a directory entry is, as the file system says without following links.</summary>
internal enum FileKind
{
    Regular,
    Directory,
    SymbolicLink,

    /// <summary>A named pipe, socket or device: opening one can block for ever or read without end.</summary>
    Other,
}

/// <summary>
/// One file's identity and shape. <see cref="Device"/> and <see cref="Inode"/> name the file itself (not a path to
/// it), so two paths, or a path and an open handle, are the same file exactly when both match. Both are 0 where
/// the platform does not tell (then identities are not compared).
/// </summary>
internal readonly record struct FileStatus(FileKind Kind, ulong Device, ulong Inode, uint LinkCount, long Length, DateTime LastWriteUtc)
{
    public bool HasIdentity => Device != 0 || Inode != 0;

    public bool IsSameFile(FileStatus other) => !HasIdentity || !other.HasIdentity || (Device == other.Device && Inode == other.Inode);
}

/// <summary>
/// The few POSIX file calls .NET does not offer, for reading files from a folder other programs (and people) can
/// write to: the status of a path without following a link (<c>lstat</c>) and of an open handle (<c>fstat</c>),
/// with the link count and the inode, which .NET does not expose; an open that can never block (a named pipe in
/// the inbox would otherwise hang the scan); and an exclusive advisory lock probe (<c>flock</c>). .NET's own open
/// cannot be told not to follow a link (O_NOFOLLOW's value differs between architectures), so a handle is checked
/// after the open instead: it must be a regular file with one name, the very file the path names
/// (<see cref="FileStatus.IsSameFile"/>). <c>statx</c> is used because its structure has one layout on every
/// Linux architecture (glibc 2.28 and later). Elsewhere (or where <c>statx</c> is missing) the managed fallbacks
/// tell links and folders apart but know no inode or link count.
/// </summary>
internal static partial class NativeFile
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7FF;
    private const int ORdOnly = 0;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int TypeMask = 0xF000;
    private const int TypeRegular = 0x8000;
    private const int TypeDirectory = 0x4000;
    private const int TypeLink = 0xA000;

    private static readonly Lazy<bool> Available = new(Probe);

    /// <summary>True when the native calls work here (Linux with <c>statx</c>).</summary>
    public static bool IsAvailable => Available.Value;

    /// <summary>The status of the entry at <paramref name="path"/> itself (a link is reported as a link); null when there is none.</summary>
    public static FileStatus? StatusOfEntry(string path) => Status(path, followLinks: false);

    /// <summary>The status of what <paramref name="path"/> leads to, links followed; null when it leads nowhere.</summary>
    public static FileStatus? StatusOfTarget(string path) => Status(path, followLinks: true);

    /// <summary>The status of the file an open handle reads.</summary>
    public static FileStatus StatusOf(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (IsAvailable)
        {
            var added = false;
            handle.DangerousAddRef(ref added);
            try
            {
                if (Statx((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath, StatxBasicStats, out var buffer) == 0)
                {
                    return ToStatus(buffer);
                }

                throw new IOException($"The status of an open file could not be read (error {Marshal.GetLastPInvokeError()}).");
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }

        return new FileStatus(FileKind.Regular, 0, 0, 1, RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle));
    }

    /// <summary>
    /// Opens a file for reading without ever blocking (a named pipe opens at once instead of waiting for a writer)
    /// and without taking a lock. Links are followed: check the handle with <see cref="StatusOf(SafeFileHandle)"/>.
    /// </summary>
    public static SafeFileHandle OpenForReading(string path)
    {
        if (!IsAvailable)
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }

        var fd = Open(path, ORdOnly | ONonBlock | OCloExec);
        if (fd < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            throw error switch
            {
                2 => new FileNotFoundException("The file is gone.", Path.GetFileName(path)),
                13 or 1 => new UnauthorizedAccessException($"No permission to open {Path.GetFileName(path)}."),
                _ => new IOException($"{Path.GetFileName(path)} could not be opened (error {error})."),
            };
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// True when an exclusive advisory lock could be had at once, so no writer holds one (.NET writers take one on
    /// Linux; most other programs do not, see <see cref="OpenWriters"/>). The lock ends with the handle.
    /// </summary>
    public static bool TryLockExclusive(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (!IsAvailable)
        {
            throw new PlatformNotSupportedException("flock is used only where the native calls are available.");
        }

        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return Flock((int)handle.DangerousGetHandle(), LockExclusive | LockNonBlocking) == 0;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static FileStatus? Status(string path, bool followLinks)
    {
        if (IsAvailable)
        {
            return Statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxBasicStats, out var buffer) == 0 ? ToStatus(buffer) : null;
        }

        FileSystemInfo info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            if (!followLinks)
            {
                return new FileStatus(FileKind.SymbolicLink, 0, 0, 1, 0, DateTime.MinValue);
            }

            info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
        }

        if (Directory.Exists(info.FullName))
        {
            return new FileStatus(FileKind.Directory, 0, 0, 1, 0, info.LastWriteTimeUtc);
        }

        return info is FileInfo { Exists: true } file ? new FileStatus(FileKind.Regular, 0, 0, 1, file.Length, file.LastWriteTimeUtc) : null;
    }

    private static FileStatus ToStatus(in StatxBuffer buffer)
    {
        var kind = (buffer.Mode & TypeMask) switch
        {
            TypeRegular => FileKind.Regular,
            TypeDirectory => FileKind.Directory,
            TypeLink => FileKind.SymbolicLink,
            _ => FileKind.Other,
        };
        var device = ((ulong)buffer.DeviceMajor << 32) | buffer.DeviceMinor;
        var written = DateTime.UnixEpoch.AddTicks((buffer.ModifiedSeconds * TimeSpan.TicksPerSecond) + (buffer.ModifiedNanoseconds / 100));
        return new FileStatus(kind, device, buffer.Inode, buffer.LinkCount, (long)buffer.Size, written);
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return Statx(AtFdCwd, "/", 0, StatxBasicStats, out _) == 0;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, out StatxBuffer buffer);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    /// <summary><c>struct statx</c> (linux/stat.h): the same 256 bytes on every architecture.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(16)]
        public uint LinkCount;

        [FieldOffset(28)]
        public ushort Mode;

        [FieldOffset(32)]
        public ulong Inode;

        [FieldOffset(40)]
        public ulong Size;

        [FieldOffset(112)]
        public long ModifiedSeconds;

        [FieldOffset(120)]
        public uint ModifiedNanoseconds;

        [FieldOffset(136)]
        public uint DeviceMajor;

        [FieldOffset(140)]
        public uint DeviceMinor;
    }
}
