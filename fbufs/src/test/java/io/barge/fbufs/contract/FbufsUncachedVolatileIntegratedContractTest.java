package io.barge.fbufs.contract;

/**
 * The contract with cached=false, volatile=true, integrated=true.
 */
class FbufsUncachedVolatileIntegratedContractTest extends FbufsContractTest
{
    FbufsUncachedVolatileIntegratedContractTest()
    {
        super(false, true, true);
    }
}
