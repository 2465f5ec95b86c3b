package io.barge.fbufs.contract;

/**
 * The contract with cached=false, volatile=false, integrated=false.
 */
class FbufsUncachedNonVolatileNonIntegratedContractTest extends FbufsContractTest
{
    FbufsUncachedNonVolatileNonIntegratedContractTest()
    {
        super(false, false, false);
    }
}
