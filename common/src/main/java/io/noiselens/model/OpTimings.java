package io.noiselens.model;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Wall time of a graph's calls per op type (libnd4j op name), measured between SameDiff's pre- and post-execution
 * callbacks: the op-level profile behind the benchmark's figures ({@code noiselens bench --profile}). Time outside
 * ops (session set-up, placeholder checks, copies of the outputs) is the gap between the call's wall time and
 * {@link #opNanos()}.
 */
public final class OpTimings extends BaseListener {
    private final Map<String, long[]> byOp = new TreeMap<>();
    private long started;

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
        started = System.nanoTime();
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext, INDArray[] outputs) {
        long[] a = byOp.computeIfAbsent(op.getOp().opName(), k -> new long[2]);
        a[0] += System.nanoTime() - started;
        a[1]++;
    }

    public void clear() {
        byOp.clear();
    }

    public long opNanos() {
        long t = 0;
        for (long[] a : byOp.values()) t += a[0];
        return t;
    }

    /** One line per op type, most expensive first: total ms per call, share of op time, executions per call. */
    public List<String> table(int calls) {
        List<Map.Entry<String, long[]>> rows = new ArrayList<>(byOp.entrySet());
        rows.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
        double total = opNanos();
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, long[]> r : rows) {
            out.add(String.format("%-28s %9.2f ms %6.1f %% %6.1f ×", r.getKey(), r.getValue()[0] / 1e6 / calls,
                    100 * r.getValue()[0] / total, (double) r.getValue()[1] / calls));
        }
        return out;
    }
}
