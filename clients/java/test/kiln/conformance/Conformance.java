package kiln.conformance;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import kiln.client.KilnClient;
import kiln.client.KilnException;

/**
 * Runs the shared scenarios (tests/e2e/clients/scenarios.json, resolved by the test driver)
 * through KilnClient and prints what it observed, one JSON object per line. Environment:
 * KILN_SCENARIOS, KILN_TARGET, KILN_API_KEY, KILN_OTHER_API_KEY, KILN_FAULT_TARGET.
 */
public final class Conformance {
  private static final List<ServiceDescriptor> SERVICES = List.of(
      kiln.v1.DatasetServiceGrpc.getServiceDescriptor(),
      kiln.v1.JobServiceGrpc.getServiceDescriptor(),
      kiln.v1.ModelServiceGrpc.getServiceDescriptor(),
      kiln.v1.SamplingServiceGrpc.getServiceDescriptor(),
      kiln.v1.FeedbackServiceGrpc.getServiceDescriptor(),
      kiln.v1.EvaluationServiceGrpc.getServiceDescriptor());

  public static void main(String[] args) throws Exception {
    JsonObject file = JsonParser.parseString(Files.readString(Path.of(System.getenv("KILN_SCENARIOS")))).getAsJsonObject();
    Map<String, String> keys = Map.of(
        "default", System.getenv("KILN_API_KEY"), "other", System.getenv("KILN_OTHER_API_KEY"), "anonymous", "");
    Map<String, String> targets = Map.of("gateway", System.getenv("KILN_TARGET"), "fault", System.getenv("KILN_FAULT_TARGET"));
    Map<String, KilnClient> clients = new HashMap<>();
    for (JsonElement item : file.getAsJsonArray("scenarios")) {
      JsonObject s = item.getAsJsonObject();
      String as = s.get("as").getAsString();
      String target = s.get("target").getAsString();
      KilnClient client = clients.computeIfAbsent(as + "@" + target,
          id -> KilnClient.builder().target(targets.get(target)).apiKey(keys.get(as)).build());
      System.out.println(observe(client, s));
    }
    for (KilnClient c : clients.values()) {
      c.close();
    }
  }

  @SuppressWarnings("unchecked")
  private static JsonObject observe(KilnClient client, JsonObject s) throws Exception {
    String fullName = s.get("service").getAsString() + "/" + s.get("method").getAsString();
    MethodDescriptor<Message, Message> method = null;
    for (ServiceDescriptor service : SERVICES) {
      for (MethodDescriptor<?, ?> m : service.getMethods()) {
        if (m.getFullMethodName().equals(fullName)) {
          method = (MethodDescriptor<Message, Message>) m;
        }
      }
    }
    if (method == null) {
      throw new IllegalArgumentException("no RPC " + fullName);
    }
    Message prototype = ((MethodDescriptor.PrototypeMarshaller<Message>) method.getRequestMarshaller()).getMessagePrototype();
    Message.Builder request = prototype.newBuilderForType();
    JsonFormat.parser().merge(s.get("request").toString(), request);
    Duration timeout = s.has("timeoutMs") ? Duration.ofMillis(s.get("timeoutMs").getAsLong()) : null;

    JsonObject observed = new JsonObject();
    observed.addProperty("name", s.get("name").getAsString());
    try {
      client.call(method, request.build(), timeout);
      observed.addProperty("code", "OK");
    } catch (KilnException e) {
      observed.addProperty("code", e.code().name());
      observed.addProperty("message", e.message());
      com.google.gson.JsonArray fields = new com.google.gson.JsonArray();
      e.fieldViolations().forEach(v -> fields.add(v.getField()));
      observed.add("fieldViolations", fields);
      e.resourceInfo().ifPresent(info -> {
        JsonObject r = new JsonObject();
        r.addProperty("resourceType", info.getResourceType());
        r.addProperty("resourceName", info.getResourceName());
        observed.add("resourceInfo", r);
      });
      e.retryDelay().ifPresent(d -> observed.addProperty("retryDelayMs", d.toMillis()));
    }
    return observed;
  }
}
