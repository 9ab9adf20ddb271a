// QEMU guests run under TCG on a 2-core machine: one test at a time, so boots and migrations
// are not starved and their figures mean something.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
