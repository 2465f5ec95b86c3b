package io.barge.fbufs.contract;

/**
 * The contract with cached=false, volatile=false, integrated=true.
 */
class FbufsUncachedNonVolatileIntegratedContractTest extends FbufsContractTest
{
    FbufsUncachedNonVolatileIntegratedContractTest()
    {
        super(false, false, true);
    }
}
