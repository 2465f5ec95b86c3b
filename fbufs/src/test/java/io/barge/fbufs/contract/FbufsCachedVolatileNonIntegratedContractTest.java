package io.barge.fbufs.contract;

/**
 * The contract with cached=true, volatile=true, integrated=false.
 */
class FbufsCachedVolatileNonIntegratedContractTest extends FbufsContractTest
{
    FbufsCachedVolatileNonIntegratedContractTest()
    {
        super(true, true, false);
    }
}
