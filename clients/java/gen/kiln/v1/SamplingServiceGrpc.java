package kiln.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Draw completions from base, fine-tuned and exported models. The gateway routes each request
 * to wherever the model is deployed (Ray Serve or Triton) and never runs a model itself.
 * Deterministic requests (temperature 0, or a seed set) are answered from the result cache
 * when the same tenant asked the same thing of the same model version before; see
 * GenerateRequest.bypass_cache.
 * Built-in base models (kiln-gpt-tiny, kiln-gpt-small) need no DeployModel: the first request
 * for one deploys it for the calling tenant on Ray Serve (one replica) and waits until it is
 * ready, so that first call takes seconds longer; UndeployModel with the same name frees it.
 * Registered models ("models/{id}") are sampled once ModelService.DeployModel has deployed
 * them, unless the gateway runs with KILN_DEPLOY_ON_DEMAND=true, which gives them the same
 * first-use deployment.
 * Errors, for both RPCs: INVALID_ARGUMENT with one BadRequest field violation per bad field
 * (e.g. "params.top_p", or "model" for a malformed resource name); NOT_FOUND (with
 * ResourceInfo) for an unknown model, whose message lists the built-in base model names for a
 * name that is not "models/{id}"; FAILED_PRECONDITION (with PreconditionFailure) when a
 * registered model is not deployed; RESOURCE_EXHAUSTED (with RetryInfo) when the replica's
 * queue is full, or (with QuotaFailure) past the tenant's sampling_requests_per_s or
 * sampling_tokens_per_s quota, where a call is charged n x max_tokens before it runs; UNAVAILABLE (with RetryInfo) when the serving backend is down;
 * DEADLINE_EXCEEDED when the call's deadline passes first.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: kiln/v1/sampling.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class SamplingServiceGrpc {

  private SamplingServiceGrpc() {}

  public static final String SERVICE_NAME = "kiln.v1.SamplingService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<kiln.v1.GenerateRequest,
      kiln.v1.GenerateResponse> getGenerateMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Generate",
      requestType = kiln.v1.GenerateRequest.class,
      responseType = kiln.v1.GenerateResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.GenerateRequest,
      kiln.v1.GenerateResponse> getGenerateMethod() {
    io.grpc.MethodDescriptor<kiln.v1.GenerateRequest, kiln.v1.GenerateResponse> getGenerateMethod;
    if ((getGenerateMethod = SamplingServiceGrpc.getGenerateMethod) == null) {
      synchronized (SamplingServiceGrpc.class) {
        if ((getGenerateMethod = SamplingServiceGrpc.getGenerateMethod) == null) {
          SamplingServiceGrpc.getGenerateMethod = getGenerateMethod =
              io.grpc.MethodDescriptor.<kiln.v1.GenerateRequest, kiln.v1.GenerateResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Generate"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.GenerateRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.GenerateResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SamplingServiceMethodDescriptorSupplier("Generate"))
              .build();
        }
      }
    }
    return getGenerateMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.GenerateRequest,
      kiln.v1.GenerateStreamResponse> getGenerateStreamMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GenerateStream",
      requestType = kiln.v1.GenerateRequest.class,
      responseType = kiln.v1.GenerateStreamResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<kiln.v1.GenerateRequest,
      kiln.v1.GenerateStreamResponse> getGenerateStreamMethod() {
    io.grpc.MethodDescriptor<kiln.v1.GenerateRequest, kiln.v1.GenerateStreamResponse> getGenerateStreamMethod;
    if ((getGenerateStreamMethod = SamplingServiceGrpc.getGenerateStreamMethod) == null) {
      synchronized (SamplingServiceGrpc.class) {
        if ((getGenerateStreamMethod = SamplingServiceGrpc.getGenerateStreamMethod) == null) {
          SamplingServiceGrpc.getGenerateStreamMethod = getGenerateStreamMethod =
              io.grpc.MethodDescriptor.<kiln.v1.GenerateRequest, kiln.v1.GenerateStreamResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GenerateStream"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.GenerateRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.GenerateStreamResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SamplingServiceMethodDescriptorSupplier("GenerateStream"))
              .build();
        }
      }
    }
    return getGenerateStreamMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static SamplingServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SamplingServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SamplingServiceStub>() {
        @java.lang.Override
        public SamplingServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SamplingServiceStub(channel, callOptions);
        }
      };
    return SamplingServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static SamplingServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SamplingServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SamplingServiceBlockingStub>() {
        @java.lang.Override
        public SamplingServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SamplingServiceBlockingStub(channel, callOptions);
        }
      };
    return SamplingServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static SamplingServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SamplingServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SamplingServiceFutureStub>() {
        @java.lang.Override
        public SamplingServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SamplingServiceFutureStub(channel, callOptions);
        }
      };
    return SamplingServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Draw completions from base, fine-tuned and exported models. The gateway routes each request
   * to wherever the model is deployed (Ray Serve or Triton) and never runs a model itself.
   * Deterministic requests (temperature 0, or a seed set) are answered from the result cache
   * when the same tenant asked the same thing of the same model version before; see
   * GenerateRequest.bypass_cache.
   * Built-in base models (kiln-gpt-tiny, kiln-gpt-small) need no DeployModel: the first request
   * for one deploys it for the calling tenant on Ray Serve (one replica) and waits until it is
   * ready, so that first call takes seconds longer; UndeployModel with the same name frees it.
   * Registered models ("models/{id}") are sampled once ModelService.DeployModel has deployed
   * them, unless the gateway runs with KILN_DEPLOY_ON_DEMAND=true, which gives them the same
   * first-use deployment.
   * Errors, for both RPCs: INVALID_ARGUMENT with one BadRequest field violation per bad field
   * (e.g. "params.top_p", or "model" for a malformed resource name); NOT_FOUND (with
   * ResourceInfo) for an unknown model, whose message lists the built-in base model names for a
   * name that is not "models/{id}"; FAILED_PRECONDITION (with PreconditionFailure) when a
   * registered model is not deployed; RESOURCE_EXHAUSTED (with RetryInfo) when the replica's
   * queue is full, or (with QuotaFailure) past the tenant's sampling_requests_per_s or
   * sampling_tokens_per_s quota, where a call is charged n x max_tokens before it runs; UNAVAILABLE (with RetryInfo) when the serving backend is down;
   * DEADLINE_EXCEEDED when the call's deadline passes first.
   * </pre>
   */
  public static abstract class SamplingServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Generates `n` completions for one prompt and returns them together once all are done.
     * </pre>
     */
    public void generate(kiln.v1.GenerateRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.GenerateResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGenerateMethod(), responseObserver);
    }

    /**
     * <pre>
     * Generates `n` completions for one prompt and streams them as they are produced: chunks of
     * different samples interleave, each sample's last chunk carries its finish_reason, and the
     * stream's last message carries the usage totals. Cancelling the call stops generation.
     * </pre>
     */
    public void generateStream(kiln.v1.GenerateRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.GenerateStreamResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGenerateStreamMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getGenerateMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.GenerateRequest,
                kiln.v1.GenerateResponse>(
                  this, METHODID_GENERATE)))
          .addMethod(
            getGenerateStreamMethod(),
            io.grpc.stub.ServerCalls.asyncServerStreamingCall(
              new MethodHandlers<
                kiln.v1.GenerateRequest,
                kiln.v1.GenerateStreamResponse>(
                  this, METHODID_GENERATE_STREAM)))
          .build();
    }
  }

  /**
   * <pre>
   * Draw completions from base, fine-tuned and exported models. The gateway routes each request
   * to wherever the model is deployed (Ray Serve or Triton) and never runs a model itself.
   * Deterministic requests (temperature 0, or a seed set) are answered from the result cache
   * when the same tenant asked the same thing of the same model version before; see
   * GenerateRequest.bypass_cache.
   * Built-in base models (kiln-gpt-tiny, kiln-gpt-small) need no DeployModel: the first request
   * for one deploys it for the calling tenant on Ray Serve (one replica) and waits until it is
   * ready, so that first call takes seconds longer; UndeployModel with the same name frees it.
   * Registered models ("models/{id}") are sampled once ModelService.DeployModel has deployed
   * them, unless the gateway runs with KILN_DEPLOY_ON_DEMAND=true, which gives them the same
   * first-use deployment.
   * Errors, for both RPCs: INVALID_ARGUMENT with one BadRequest field violation per bad field
   * (e.g. "params.top_p", or "model" for a malformed resource name); NOT_FOUND (with
   * ResourceInfo) for an unknown model, whose message lists the built-in base model names for a
   * name that is not "models/{id}"; FAILED_PRECONDITION (with PreconditionFailure) when a
   * registered model is not deployed; RESOURCE_EXHAUSTED (with RetryInfo) when the replica's
   * queue is full, or (with QuotaFailure) past the tenant's sampling_requests_per_s or
   * sampling_tokens_per_s quota, where a call is charged n x max_tokens before it runs; UNAVAILABLE (with RetryInfo) when the serving backend is down;
   * DEADLINE_EXCEEDED when the call's deadline passes first.
   * </pre>
   */
  public static final class SamplingServiceStub extends io.grpc.stub.AbstractAsyncStub<SamplingServiceStub> {
    private SamplingServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SamplingServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SamplingServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Generates `n` completions for one prompt and returns them together once all are done.
     * </pre>
     */
    public void generate(kiln.v1.GenerateRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.GenerateResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGenerateMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Generates `n` completions for one prompt and streams them as they are produced: chunks of
     * different samples interleave, each sample's last chunk carries its finish_reason, and the
     * stream's last message carries the usage totals. Cancelling the call stops generation.
     * </pre>
     */
    public void generateStream(kiln.v1.GenerateRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.GenerateStreamResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getGenerateStreamMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Draw completions from base, fine-tuned and exported models. The gateway routes each request
   * to wherever the model is deployed (Ray Serve or Triton) and never runs a model itself.
   * Deterministic requests (temperature 0, or a seed set) are answered from the result cache
   * when the same tenant asked the same thing of the same model version before; see
   * GenerateRequest.bypass_cache.
   * Built-in base models (kiln-gpt-tiny, kiln-gpt-small) need no DeployModel: the first request
   * for one deploys it for the calling tenant on Ray Serve (one replica) and waits until it is
   * ready, so that first call takes seconds longer; UndeployModel with the same name frees it.
   * Registered models ("models/{id}") are sampled once ModelService.DeployModel has deployed
   * them, unless the gateway runs with KILN_DEPLOY_ON_DEMAND=true, which gives them the same
   * first-use deployment.
   * Errors, for both RPCs: INVALID_ARGUMENT with one BadRequest field violation per bad field
   * (e.g. "params.top_p", or "model" for a malformed resource name); NOT_FOUND (with
   * ResourceInfo) for an unknown model, whose message lists the built-in base model names for a
   * name that is not "models/{id}"; FAILED_PRECONDITION (with PreconditionFailure) when a
   * registered model is not deployed; RESOURCE_EXHAUSTED (with RetryInfo) when the replica's
   * queue is full, or (with QuotaFailure) past the tenant's sampling_requests_per_s or
   * sampling_tokens_per_s quota, where a call is charged n x max_tokens before it runs; UNAVAILABLE (with RetryInfo) when the serving backend is down;
   * DEADLINE_EXCEEDED when the call's deadline passes first.
   * </pre>
   */
  public static final class SamplingServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<SamplingServiceBlockingStub> {
    private SamplingServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SamplingServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SamplingServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Generates `n` completions for one prompt and returns them together once all are done.
     * </pre>
     */
    public kiln.v1.GenerateResponse generate(kiln.v1.GenerateRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGenerateMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Generates `n` completions for one prompt and streams them as they are produced: chunks of
     * different samples interleave, each sample's last chunk carries its finish_reason, and the
     * stream's last message carries the usage totals. Cancelling the call stops generation.
     * </pre>
     */
    public java.util.Iterator<kiln.v1.GenerateStreamResponse> generateStream(
        kiln.v1.GenerateRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getGenerateStreamMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Draw completions from base, fine-tuned and exported models. The gateway routes each request
   * to wherever the model is deployed (Ray Serve or Triton) and never runs a model itself.
   * Deterministic requests (temperature 0, or a seed set) are answered from the result cache
   * when the same tenant asked the same thing of the same model version before; see
   * GenerateRequest.bypass_cache.
   * Built-in base models (kiln-gpt-tiny, kiln-gpt-small) need no DeployModel: the first request
   * for one deploys it for the calling tenant on Ray Serve (one replica) and waits until it is
   * ready, so that first call takes seconds longer; UndeployModel with the same name frees it.
   * Registered models ("models/{id}") are sampled once ModelService.DeployModel has deployed
   * them, unless the gateway runs with KILN_DEPLOY_ON_DEMAND=true, which gives them the same
   * first-use deployment.
   * Errors, for both RPCs: INVALID_ARGUMENT with one BadRequest field violation per bad field
   * (e.g. "params.top_p", or "model" for a malformed resource name); NOT_FOUND (with
   * ResourceInfo) for an unknown model, whose message lists the built-in base model names for a
   * name that is not "models/{id}"; FAILED_PRECONDITION (with PreconditionFailure) when a
   * registered model is not deployed; RESOURCE_EXHAUSTED (with RetryInfo) when the replica's
   * queue is full, or (with QuotaFailure) past the tenant's sampling_requests_per_s or
   * sampling_tokens_per_s quota, where a call is charged n x max_tokens before it runs; UNAVAILABLE (with RetryInfo) when the serving backend is down;
   * DEADLINE_EXCEEDED when the call's deadline passes first.
   * </pre>
   */
  public static final class SamplingServiceFutureStub extends io.grpc.stub.AbstractFutureStub<SamplingServiceFutureStub> {
    private SamplingServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SamplingServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SamplingServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Generates `n` completions for one prompt and returns them together once all are done.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.GenerateResponse> generate(
        kiln.v1.GenerateRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGenerateMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_GENERATE = 0;
  private static final int METHODID_GENERATE_STREAM = 1;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final SamplingServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(SamplingServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_GENERATE:
          serviceImpl.generate((kiln.v1.GenerateRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.GenerateResponse>) responseObserver);
          break;
        case METHODID_GENERATE_STREAM:
          serviceImpl.generateStream((kiln.v1.GenerateRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.GenerateStreamResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  private static abstract class SamplingServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    SamplingServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return kiln.v1.SamplingProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("SamplingService");
    }
  }

  private static final class SamplingServiceFileDescriptorSupplier
      extends SamplingServiceBaseDescriptorSupplier {
    SamplingServiceFileDescriptorSupplier() {}
  }

  private static final class SamplingServiceMethodDescriptorSupplier
      extends SamplingServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    SamplingServiceMethodDescriptorSupplier(String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (SamplingServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new SamplingServiceFileDescriptorSupplier())
              .addMethod(getGenerateMethod())
              .addMethod(getGenerateStreamMethod())
              .build();
        }
      }
    }
    return result;
  }
}
