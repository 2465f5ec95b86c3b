package io.barge.fbufs.contract;

/**
 * The contract with cached=true, volatile=false, integrated=false.
 */
class FbufsCachedNonVolatileNonIntegratedContractTest extends FbufsContractTest
{
    FbufsCachedNonVolatileNonIntegratedContractTest()
    {
        super(true, false, false);
    }
}
