using Microsoft.Extensions.Logging;

namespace Nvo3.Nva.Leadership;

/// <summary>A store that several NVA processes share and that can elect one of them (etcd). Other stores have one NVA, always the leader.</summary>
public interface IElectingStore
{
    /// <summary>
    /// An election among the NVAs on this store, in which <paramref name="candidate"/> stands
    /// with a lease of <paramref name="leaseTtl"/>: a leader that dies is replaced within it.
    /// </summary>
    ILeaderElection CreateElection(string candidate, TimeSpan leaseTtl, TimeProvider timeProvider, ILoggerFactory loggerFactory);
}
