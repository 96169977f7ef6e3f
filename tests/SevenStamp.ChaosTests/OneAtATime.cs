// Every test here takes shared infrastructure down (a host, the broker, a cluster node, the database): two at once
// would each see the other's fault. The classes run one after the other, as the tests inside each class do.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
