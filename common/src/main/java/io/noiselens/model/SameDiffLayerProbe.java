package io.noiselens.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link LayerProbe} on the ND4J engine: a SameDiff graph of its own over the architecture, cut at layer ℓ; its
 * vector–Jacobian products from the input-only reverse pass, or from SameDiff's autodiff for graphs with the general
 * operators.
 */
public final class SameDiffLayerProbe implements LayerProbe {
    private static final String INPUT = "input";
    private static final String WEIGHTS = "probe_weights";

    private final ModelSpec spec;
    private final String layer;
    private final SameDiff sd;
    private final String featuresName;
    private final int featureSize;
    private final String gradientName;

    public SameDiffLayerProbe(ModelSpec spec, ModelWeights weights, String layer) {
        this.spec = spec;
        this.layer = layer;
        this.sd = SameDiff.create();
        Sessions.track(sd);
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (Tensor t : weights.tensors()) params.put(t.name(), t);
        SameDiffLayers l = new SameDiffLayers(sd, DataType.FLOAT, params, null, true);
        Layers.Act<SDVariable> in = l.input(INPUT, spec.channels(), spec.height(), spec.width());
        spec.network().define(l, in, spec);
        Layers.Act<SDVariable> f = l.output(layer);
        this.featureSize = (int) f.size();
        SDVariable flat = f.v().reshape(-1, featureSize);
        this.featuresName = flat.name();
        SDVariable v = sd.placeHolder(WEIGHTS, DataType.FLOAT, -1, featureSize);
        if (spec.network() instanceof io.noiselens.model.onnx.OnnxArchitecture a && a.needsGeneralOperators()) {
            // The general operators have no hand-written reverse steps: SameDiff's autodiff of Σ v ⊙ F_ℓ.
            sd.setLossVariables(flat.mul(v).sum());
            SameDiffClassifier.createGradFunctionQuietly(sd);
            this.gradientName = null;
        } else {
            this.gradientName = l.inputGradient(in, f, sd.reshape(v, f.v().shape())).name();
        }
        l.assign(weights);
    }

    @Override
    public String layer() {
        return layer;
    }

    @Override
    public int featureSize() {
        return featureSize;
    }

    @Override
    public float[][] features(List<float[]> inputs) {
        INDArray input = stack(inputs);
        float[][] f = NativeArrays.drainRows(sd.outputSingle(Map.of(INPUT, input), featuresName), inputs.size());
        NativeArrays.close(input);
        return f;
    }

    @Override
    public float[][] vectorJacobian(List<float[]> inputs, List<float[]> v) {
        Map<String, INDArray> ph = new HashMap<>();
        ph.put(INPUT, stack(inputs));
        ph.put(WEIGHTS, NativeArrays.of(LayerProbe.concat(v), v.size(), featureSize));
        INDArray g = gradientName == null ? sd.calculateGradients(ph, INPUT).get(INPUT) : sd.outputSingle(ph, gradientName);
        float[][] out = NativeArrays.drainRows(g, inputs.size());
        NativeArrays.close(ph.get(INPUT), ph.get(WEIGHTS));
        return out;
    }

    private INDArray stack(List<float[]> inputs) {
        return NativeArrays.of(LayerProbe.concat(inputs), inputs.size(), spec.channels(), spec.height(), spec.width());
    }

    @Override
    public void close() {
        Sessions.release(sd);
        for (SDVariable v : sd.variables()) {
            INDArray arr = v.getArr();
            if (arr != null && arr.closeable()) arr.close();
        }
    }
}
