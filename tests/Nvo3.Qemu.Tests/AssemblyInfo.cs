// QEMU guests run under TCG on a 2-core machine: one test at a time, so boots and migrations
// are not starved and their figures mean something.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// QEMU with TAP NICs, namespaces and unix sockets: these tests are for Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
