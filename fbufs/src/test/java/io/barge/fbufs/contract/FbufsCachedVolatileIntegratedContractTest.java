package io.barge.fbufs.contract;

/**
 * The contract with cached=true, volatile=true, integrated=true.
 */
class FbufsCachedVolatileIntegratedContractTest extends FbufsContractTest
{
    FbufsCachedVolatileIntegratedContractTest()
    {
        super(true, true, true);
    }
}
