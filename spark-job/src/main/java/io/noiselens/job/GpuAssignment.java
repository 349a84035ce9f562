package io.noiselens.job;

import io.noiselens.lang.Errors;
import org.apache.spark.resource.ResourceInformation;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The device an executor computes on (DESIGN.md §7): one GPU per executor, from Spark's {@code gpu} resource. The
 * address Spark assigned is mapped through {@code CUDA_VISIBLE_DEVICES} to the CUDA ordinal ND4J sees (with "2,3"
 * visible, address 3 is ordinal 1; a container that sees a single device has it as ordinal 0). No {@code gpu}
 * resource (local mode, CPU clusters) means the CPU backend, or device 0 with a CUDA build; more than one address is
 * an error, since NoiseLens pins one device per executor.
 *
 * @param ordinal the CUDA device ordinal to pin to, or −1 for none
 */
public record GpuAssignment(String address, int ordinal, String message) {

    public boolean gpu() {
        return ordinal >= 0;
    }

    public static GpuAssignment of(Map<String, ResourceInformation> resources, String cudaVisibleDevices) {
        ResourceInformation gpu = resources.get("gpu");
        if (gpu == null || gpu.addresses().length == 0) {
            return new GpuAssignment(null, -1, "no 'gpu' resource for this executor: computing on the CPU backend "
                    + "(a CUDA build uses device 0)");
        }
        String[] addresses = gpu.addresses();
        if (addresses.length > 1) {
            throw Errors.badCluster("this executor was given " + addresses.length + " GPUs " + Arrays.toString(addresses)
                    + " and NoiseLens uses one GPU per executor", "Set spark.executor.resource.gpu.amount=1 (and "
                    + "spark.task.resource.gpu.amount to 1/tasks per GPU).");
        }
        String a = addresses[0].trim();
        int ordinal;
        try {
            ordinal = Integer.parseInt(a);
        } catch (NumberFormatException e) {
            throw Errors.badCluster("GPU address '" + a + "' is not a device index", "Make the GPU discovery script "
                    + "report nvidia-smi indices (deploy/getGpusResources.sh does).");
        }
        String where = "";
        if (cudaVisibleDevices != null && !cudaVisibleDevices.isBlank()) {
            List<String> visible = Arrays.stream(cudaVisibleDevices.split(",")).map(String::trim).toList();
            int idx = visible.indexOf(a);
            if (idx >= 0) {
                ordinal = idx;
            } else if (visible.size() == 1) {
                ordinal = 0;
            } else {
                throw Errors.badCluster("GPU address " + a + " is not among CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices,
                        "Make the GPU discovery script report the devices this executor can see.");
            }
            where = " within CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices;
        }
        return new GpuAssignment(a, ordinal, "GPU " + a + " assigned to this executor: CUDA device ordinal " + ordinal + where);
    }
}
