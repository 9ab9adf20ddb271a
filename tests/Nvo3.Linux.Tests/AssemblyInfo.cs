// The lab tests run real processes and measure moves on two cores: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
