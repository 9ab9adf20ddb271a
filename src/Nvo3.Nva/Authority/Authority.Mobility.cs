using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;

namespace Nvo3.Nva;

public sealed partial class Authority
{
    /// <summary>
    /// Activates a binding at an NVE: the switchover of a planned move (the NVE holds an Associated
    /// placement, made by a migration or a standby), or an unplanned move (a gratuitous ARP,
    /// unsolicited NA or RARP seen at an NVE where the binding was not placed).
    /// </summary>
    /// <remarks>
    /// The rules, in order: claimed addresses must be the binding's own and inside the network;
    /// a sticky binding never moves; an unplanned claim must carry a sequence number above the
    /// binding's, or equal to it from an NVE whose underlay address is lower than the holder's
    /// (EVPN's tie rule), and must pass duplicate detection; a planned move always takes the next
    /// number and never counts as a duplicate. The previous NVE keeps an Associated placement in a
    /// planned move and loses it in an unplanned one; in both it gets a redirect to the new NVE,
    /// active until the network's cache lifetime plus <see cref="NvaSettings.RedirectGrace"/>.
    /// Every older redirect of the binding is pointed at the new NVE, so a packet in flight needs
    /// one hop at most once they are updated, and none points back at where the binding now is.
    /// </remarks>
    public Task<Binding> ActivateAsync(ActivateRequest request, CancellationToken cancellationToken = default) =>
        TransactAsync($"activate {request.Mac} at {request.Nve}", async () =>
        {
            var (binding, entry) = await RequireBindingAsync(request.Vni, request.Mac, cancellationToken).ConfigureAwait(false);
            var (claimant, claimantEntry) = await RequireNveAsync(request.Nve, cancellationToken).ConfigureAwait(false);
            var (network, _) = await RequireNetworkAsync(request.Vni, cancellationToken).ConfigureAwait(false);
            var now = Now;
            foreach (var ip in request.ClaimedIps ?? [])
            {
                if (!network.Contains(ip))
                {
                    RefuseClaim(request, NvaError.InvalidArgument, $"it claims {ip}, which lies outside VNI {request.Vni}'s subnets");
                }
                if (!binding.Ips.Contains(ip))
                {
                    RefuseClaim(request, NvaError.FailedPrecondition, $"it claims {ip}, which is not MAC {request.Mac}'s (the directory binds it to {string.Join(", ", binding.Ips)})");
                }
            }
            string? holder = binding.ActiveNve;
            if (holder == request.Nve)
            {
                return (new StoreTransaction(), binding);
            }
            var placement = binding.At(request.Nve);
            bool planned = placement is { State: PlacementState.Associated };
            if (binding.Sticky && holder is not null)
            {
                RefuseClaim(request, NvaError.FailedPrecondition, $"'{binding.Name}' is sticky and stays at {holder}");
            }
            var txn = new StoreTransaction().IfUnchanged(entry.Key, entry).IfUnchanged(claimantEntry.Key, claimantEntry);

            long sequence = binding.Sequence + 1;
            if (!planned && request.Sequence != 0)
            {
                if (request.Sequence < binding.Sequence)
                {
                    RefuseClaim(request, NvaError.FailedPrecondition,
                        $"its sequence {request.Sequence} is stale: the binding is at {binding.Sequence} ({holder ?? "no NVE"})");
                }
                if (request.Sequence == binding.Sequence && holder is not null)
                {
                    var (holderNve, holderEntry) = await ReadAsync<NveRecord>(Keys.Nve(holder), cancellationToken).ConfigureAwait(false);
                    if (holderNve is not null)
                    {
                        txn.IfUnchanged(holderEntry!.Key, holderEntry);
                        if (CompareUnderlay(claimant.Primary, holderNve.Primary) >= 0)
                        {
                            RefuseClaim(request, NvaError.FailedPrecondition,
                                $"a tie at sequence {request.Sequence} goes to the lower underlay address: {holder} ({holderNve.Primary}) keeps it over {claimant.Primary}");
                        }
                    }
                }
                sequence = request.Sequence;
            }

            var moves = binding.UnplannedMoves.Where(t => t > now - Settings.DuplicateWindow).ToList();
            bool duplicate = binding.Duplicate;
            var frozenUntil = binding.FrozenUntil;
            if (!planned)
            {
                if (frozenUntil > now)
                {
                    RefuseClaim(request, NvaError.FailedPrecondition,
                        $"'{binding.Name}' is frozen as a duplicate ({moves.Count} unplanned moves within {Settings.DuplicateWindow.TotalSeconds:0} s) "
                        + (frozenUntil == DateTimeOffset.MaxValue ? "until cleared (nvo3 vm clear-duplicate)" : $"until {frozenUntil:O}"));
                }
                frozenUntil = null;
                moves.Add(now);
                if (moves.Count >= Settings.DuplicateMoves)
                {
                    duplicate = true;
                    Log.DuplicateDetected(_logger, binding.Vni, binding.Mac, moves.Count, Settings.DuplicateWindow, Settings.DuplicatePolicy);
                    if (Settings.DuplicatePolicy == DuplicatePolicy.Freeze)
                    {
                        frozenUntil = Settings.FreezeTime is { } freeze ? now + freeze : DateTimeOffset.MaxValue;
                    }
                    // The decision needs only the newest N times: a MAC that keeps flapping under
                    // policy warn would otherwise grow its record by one time per move for a whole
                    // window, and every later write of the binding with it.
                    moves.RemoveRange(0, moves.Count - Settings.DuplicateMoves);
                }
            }

            var placements = new List<Placement>();
            foreach (var p in binding.Placements)
            {
                if (p.Nve == request.Nve)
                {
                    placements.Add(p with { State = PlacementState.Activated, Since = now });
                }
                else if (p.State == PlacementState.Activated)
                {
                    // Planned: the source keeps its resources until the migration commits.
                    // Unplanned: the workload is gone from there.
                    if (planned)
                    {
                        placements.Add(p with { State = PlacementState.Associated, Since = now });
                    }
                }
                else
                {
                    placements.Add(p);
                }
            }
            if (placement is null)
            {
                placements.Add(new Placement(request.Nve, PlacementState.Activated, now));
            }

            Migration? migration = null;
            if (binding.MigrationId is { } id)
            {
                var (m, migrationEntry) = await ReadAsync<Migration>(Keys.Migration(id), cancellationToken).ConfigureAwait(false);
                if (m is { IsOpen: true } && m.Destination == request.Nve && m.Phase != MigrationPhase.Activated)
                {
                    migration = m with { Phase = MigrationPhase.Activated, Activated = now };
                    txn.IfUnchanged(migrationEntry!.Key, migrationEntry).Put(migrationEntry.Key, RecordJson.Encode(migration));
                }
            }

            var hold = network.CacheLifetime + Settings.RedirectGrace;
            var expires = now + hold;
            var redirects = await _store.ListAsync(Keys.RedirectsOf(binding.Vni, binding.Mac), cancellationToken).ConfigureAwait(false);
            foreach (var e in redirects.Entries)
            {
                var r = RecordJson.Decode<Redirect>(e.Value);
                txn.IfUnchanged(e.Key, e);
                if (holder is not null && r.OldNve == holder)
                {
                    // Rewritten below, in place: a delete before the put would leave the old NVE,
                    // between the two watch events, without its redirect while packets still arrive.
                    continue;
                }
                if (r.OldNve == request.Nve)
                {
                    txn.Delete(e.Key); // back where it was: nothing to forward from here
                }
                else
                {
                    txn.Put(e.Key, RecordJson.Encode(r with { NewNve = request.Nve }));
                }
            }
            if (holder is not null)
            {
                var redirect = new Redirect(binding.Vni, binding.Mac, holder, request.Nve, migration?.Id, Active: true, expires) { Hold = hold };
                txn.Put(Keys.Redirect(binding.Vni, binding.Mac, holder), RecordJson.Encode(redirect));
            }

            var updated = binding with
            {
                Placements = placements,
                Sequence = sequence,
                LastTrigger = request.Trigger,
                Updated = now,
                UnplannedMoves = moves,
                Duplicate = duplicate,
                FrozenUntil = frozenUntil,
            };
            Log.Activated(_logger, binding.Vni, binding.Mac, request.Nve, sequence, request.Trigger, planned ? "planned" : "unplanned");
            return (PutBinding(txn, updated), updated);
        }, cancellationToken);

    /// <summary>Orders underlay endpoints for the tie rule: IPv4 before IPv6, then by address, then by port.</summary>
    internal static int CompareUnderlay(UnderlayEndpoint a, UnderlayEndpoint b)
    {
        int c = a.Address.CompareTo(b.Address);
        return c != 0 ? c : a.Port.CompareTo(b.Port);
    }

    private void RefuseClaim(ActivateRequest request, NvaError error, string reason)
    {
        Log.ClaimRefused(_logger, request.Vni, request.Mac, request.Nve, reason);
        Refuse(error, $"NVE '{request.Nve}' may not activate {request.Mac} in VNI {request.Vni}: {reason}.");
    }
}
