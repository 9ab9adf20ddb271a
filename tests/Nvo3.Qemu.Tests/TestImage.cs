using Nvo3.Qemu.Image;

namespace Nvo3.Qemu.Tests;

/// <summary>The guest image the VM tests boot: built once into a cache they share (content-hashed, so always current).</summary>
internal static class TestImage
{
    private static readonly SemaphoreSlim Lock = new(1, 1);
    private static GuestImage? s_image;

    public static string CacheDirectory { get; } = Path.Combine(Path.GetTempPath(), "nvo3-qemu-test-images");

    public static async Task<GuestImage> GetAsync()
    {
        await Lock.WaitAsync();
        try
        {
            return s_image ??= await GuestImageBuilder.BuildAsync(new GuestImageOptions { CacheDirectory = CacheDirectory });
        }
        finally
        {
            Lock.Release();
        }
    }
}
