namespace Nvo3.Qemu.Tests;

/// <summary>An IProgress that reports on the caller's thread (Progress&lt;T&gt; posts, so a test could read before it ran).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
