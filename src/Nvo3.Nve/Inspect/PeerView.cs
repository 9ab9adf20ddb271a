using Nvo3.Nva;

namespace Nvo3.Nve;

/// <summary>
/// Another NVE as this one knows it (<c>nvo3 nve show NAME peers</c>): where it receives, which of
/// the networks followed here it has members in, and how many remote entries and redirects lead to it.
/// </summary>
/// <param name="Name">Its name.</param>
/// <param name="Underlay">Where it receives.</param>
/// <param name="IlaLocator">Its ILA locator, when it has one.</param>
/// <param name="Vnis">The networks it has members in (head-end replication goes there).</param>
/// <param name="RemoteEntries">Entries of this NVE's remote cache that point at it.</param>
/// <param name="Redirects">Redirects of this NVE that point at it.</param>
public sealed record PeerView(string Name, UnderlayEndpoint Underlay, ulong? IlaLocator, IReadOnlyList<uint> Vnis, int RemoteEntries, int Redirects);
