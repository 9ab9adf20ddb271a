namespace Nvo3.Nve;

/// <summary>One receive loop's gathered sends (see <see cref="IUnderlay.CreateSendBatch"/>); the loop disposes it.</summary>
public interface ISendBatch : IDisposable
{
}
