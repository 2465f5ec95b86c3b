package io.barge.fbufs.contract;

/**
 * The contract with cached=false, volatile=true, integrated=false.
 */
class FbufsUncachedVolatileNonIntegratedContractTest extends FbufsContractTest
{
    FbufsUncachedVolatileNonIntegratedContractTest()
    {
        super(false, true, false);
    }
}
