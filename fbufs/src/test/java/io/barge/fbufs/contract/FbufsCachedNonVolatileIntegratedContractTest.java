package io.barge.fbufs.contract;

/**
 * The contract with cached=true, volatile=false, integrated=true.
 */
class FbufsCachedNonVolatileIntegratedContractTest extends FbufsContractTest
{
    FbufsCachedNonVolatileIntegratedContractTest()
    {
        super(true, false, true);
    }
}
