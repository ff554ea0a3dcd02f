package kiln.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Score models on a dataset: likelihood metrics (perplexity), reward-model metrics (mean reward,
 * win rate against a baseline), divergence from a reference model, diversity and exact match.
 * Evaluations run on Ray workers like jobs; their state and events live in Redis.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: kiln/v1/evaluation.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class EvaluationServiceGrpc {

  private EvaluationServiceGrpc() {}

  public static final String SERVICE_NAME = "kiln.v1.EvaluationService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<kiln.v1.CreateEvaluationRequest,
      kiln.v1.Evaluation> getCreateEvaluationMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateEvaluation",
      requestType = kiln.v1.CreateEvaluationRequest.class,
      responseType = kiln.v1.Evaluation.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.CreateEvaluationRequest,
      kiln.v1.Evaluation> getCreateEvaluationMethod() {
    io.grpc.MethodDescriptor<kiln.v1.CreateEvaluationRequest, kiln.v1.Evaluation> getCreateEvaluationMethod;
    if ((getCreateEvaluationMethod = EvaluationServiceGrpc.getCreateEvaluationMethod) == null) {
      synchronized (EvaluationServiceGrpc.class) {
        if ((getCreateEvaluationMethod = EvaluationServiceGrpc.getCreateEvaluationMethod) == null) {
          EvaluationServiceGrpc.getCreateEvaluationMethod = getCreateEvaluationMethod =
              io.grpc.MethodDescriptor.<kiln.v1.CreateEvaluationRequest, kiln.v1.Evaluation>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateEvaluation"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.CreateEvaluationRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Evaluation.getDefaultInstance()))
              .setSchemaDescriptor(new EvaluationServiceMethodDescriptorSupplier("CreateEvaluation"))
              .build();
        }
      }
    }
    return getCreateEvaluationMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.GetEvaluationRequest,
      kiln.v1.Evaluation> getGetEvaluationMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetEvaluation",
      requestType = kiln.v1.GetEvaluationRequest.class,
      responseType = kiln.v1.Evaluation.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.GetEvaluationRequest,
      kiln.v1.Evaluation> getGetEvaluationMethod() {
    io.grpc.MethodDescriptor<kiln.v1.GetEvaluationRequest, kiln.v1.Evaluation> getGetEvaluationMethod;
    if ((getGetEvaluationMethod = EvaluationServiceGrpc.getGetEvaluationMethod) == null) {
      synchronized (EvaluationServiceGrpc.class) {
        if ((getGetEvaluationMethod = EvaluationServiceGrpc.getGetEvaluationMethod) == null) {
          EvaluationServiceGrpc.getGetEvaluationMethod = getGetEvaluationMethod =
              io.grpc.MethodDescriptor.<kiln.v1.GetEvaluationRequest, kiln.v1.Evaluation>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetEvaluation"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.GetEvaluationRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Evaluation.getDefaultInstance()))
              .setSchemaDescriptor(new EvaluationServiceMethodDescriptorSupplier("GetEvaluation"))
              .build();
        }
      }
    }
    return getGetEvaluationMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.ListEvaluationsRequest,
      kiln.v1.ListEvaluationsResponse> getListEvaluationsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListEvaluations",
      requestType = kiln.v1.ListEvaluationsRequest.class,
      responseType = kiln.v1.ListEvaluationsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.ListEvaluationsRequest,
      kiln.v1.ListEvaluationsResponse> getListEvaluationsMethod() {
    io.grpc.MethodDescriptor<kiln.v1.ListEvaluationsRequest, kiln.v1.ListEvaluationsResponse> getListEvaluationsMethod;
    if ((getListEvaluationsMethod = EvaluationServiceGrpc.getListEvaluationsMethod) == null) {
      synchronized (EvaluationServiceGrpc.class) {
        if ((getListEvaluationsMethod = EvaluationServiceGrpc.getListEvaluationsMethod) == null) {
          EvaluationServiceGrpc.getListEvaluationsMethod = getListEvaluationsMethod =
              io.grpc.MethodDescriptor.<kiln.v1.ListEvaluationsRequest, kiln.v1.ListEvaluationsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListEvaluations"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListEvaluationsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListEvaluationsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new EvaluationServiceMethodDescriptorSupplier("ListEvaluations"))
              .build();
        }
      }
    }
    return getListEvaluationsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.WatchEvaluationRequest,
      kiln.v1.EvaluationEvent> getWatchEvaluationMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WatchEvaluation",
      requestType = kiln.v1.WatchEvaluationRequest.class,
      responseType = kiln.v1.EvaluationEvent.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<kiln.v1.WatchEvaluationRequest,
      kiln.v1.EvaluationEvent> getWatchEvaluationMethod() {
    io.grpc.MethodDescriptor<kiln.v1.WatchEvaluationRequest, kiln.v1.EvaluationEvent> getWatchEvaluationMethod;
    if ((getWatchEvaluationMethod = EvaluationServiceGrpc.getWatchEvaluationMethod) == null) {
      synchronized (EvaluationServiceGrpc.class) {
        if ((getWatchEvaluationMethod = EvaluationServiceGrpc.getWatchEvaluationMethod) == null) {
          EvaluationServiceGrpc.getWatchEvaluationMethod = getWatchEvaluationMethod =
              io.grpc.MethodDescriptor.<kiln.v1.WatchEvaluationRequest, kiln.v1.EvaluationEvent>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WatchEvaluation"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.WatchEvaluationRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.EvaluationEvent.getDefaultInstance()))
              .setSchemaDescriptor(new EvaluationServiceMethodDescriptorSupplier("WatchEvaluation"))
              .build();
        }
      }
    }
    return getWatchEvaluationMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static EvaluationServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<EvaluationServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<EvaluationServiceStub>() {
        @java.lang.Override
        public EvaluationServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new EvaluationServiceStub(channel, callOptions);
        }
      };
    return EvaluationServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static EvaluationServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<EvaluationServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<EvaluationServiceBlockingStub>() {
        @java.lang.Override
        public EvaluationServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new EvaluationServiceBlockingStub(channel, callOptions);
        }
      };
    return EvaluationServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static EvaluationServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<EvaluationServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<EvaluationServiceFutureStub>() {
        @java.lang.Override
        public EvaluationServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new EvaluationServiceFutureStub(channel, callOptions);
        }
      };
    return EvaluationServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Score models on a dataset: likelihood metrics (perplexity), reward-model metrics (mean reward,
   * win rate against a baseline), divergence from a reference model, diversity and exact match.
   * Evaluations run on Ray workers like jobs; their state and events live in Redis.
   * </pre>
   */
  public static abstract class EvaluationServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Validates and queues an evaluation. A metric whose required model or dataset field is
     * missing, or a dataset of the wrong format, is INVALID_ARGUMENT with a field violation
     * naming that field; an unknown model or dataset is NOT_FOUND. Retrying with the same
     * request_id returns the evaluation the first call created.
     * </pre>
     */
    public void createEvaluation(kiln.v1.CreateEvaluationRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Evaluation> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateEvaluationMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns one evaluation; NOT_FOUND if it does not exist or belongs to another tenant.
     * </pre>
     */
    public void getEvaluation(kiln.v1.GetEvaluationRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Evaluation> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetEvaluationMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's evaluations, newest first, optionally filtered by model or state.
     * </pre>
     */
    public void listEvaluations(kiln.v1.ListEvaluationsRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListEvaluationsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListEvaluationsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Streams the evaluation's events in order: state changes and progress. Starts at the
     * beginning, or after `after_event_id` to resume a broken stream, and ends once the
     * evaluation reaches a final state and every event was sent.
     * </pre>
     */
    public void watchEvaluation(kiln.v1.WatchEvaluationRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.EvaluationEvent> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWatchEvaluationMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getCreateEvaluationMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.CreateEvaluationRequest,
                kiln.v1.Evaluation>(
                  this, METHODID_CREATE_EVALUATION)))
          .addMethod(
            getGetEvaluationMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.GetEvaluationRequest,
                kiln.v1.Evaluation>(
                  this, METHODID_GET_EVALUATION)))
          .addMethod(
            getListEvaluationsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.ListEvaluationsRequest,
                kiln.v1.ListEvaluationsResponse>(
                  this, METHODID_LIST_EVALUATIONS)))
          .addMethod(
            getWatchEvaluationMethod(),
            io.grpc.stub.ServerCalls.asyncServerStreamingCall(
              new MethodHandlers<
                kiln.v1.WatchEvaluationRequest,
                kiln.v1.EvaluationEvent>(
                  this, METHODID_WATCH_EVALUATION)))
          .build();
    }
  }

  /**
   * <pre>
   * Score models on a dataset: likelihood metrics (perplexity), reward-model metrics (mean reward,
   * win rate against a baseline), divergence from a reference model, diversity and exact match.
   * Evaluations run on Ray workers like jobs; their state and events live in Redis.
   * </pre>
   */
  public static final class EvaluationServiceStub extends io.grpc.stub.AbstractAsyncStub<EvaluationServiceStub> {
    private EvaluationServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected EvaluationServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new EvaluationServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Validates and queues an evaluation. A metric whose required model or dataset field is
     * missing, or a dataset of the wrong format, is INVALID_ARGUMENT with a field violation
     * naming that field; an unknown model or dataset is NOT_FOUND. Retrying with the same
     * request_id returns the evaluation the first call created.
     * </pre>
     */
    public void createEvaluation(kiln.v1.CreateEvaluationRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Evaluation> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateEvaluationMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns one evaluation; NOT_FOUND if it does not exist or belongs to another tenant.
     * </pre>
     */
    public void getEvaluation(kiln.v1.GetEvaluationRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Evaluation> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetEvaluationMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's evaluations, newest first, optionally filtered by model or state.
     * </pre>
     */
    public void listEvaluations(kiln.v1.ListEvaluationsRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListEvaluationsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListEvaluationsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Streams the evaluation's events in order: state changes and progress. Starts at the
     * beginning, or after `after_event_id` to resume a broken stream, and ends once the
     * evaluation reaches a final state and every event was sent.
     * </pre>
     */
    public void watchEvaluation(kiln.v1.WatchEvaluationRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.EvaluationEvent> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getWatchEvaluationMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Score models on a dataset: likelihood metrics (perplexity), reward-model metrics (mean reward,
   * win rate against a baseline), divergence from a reference model, diversity and exact match.
   * Evaluations run on Ray workers like jobs; their state and events live in Redis.
   * </pre>
   */
  public static final class EvaluationServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<EvaluationServiceBlockingStub> {
    private EvaluationServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected EvaluationServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new EvaluationServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Validates and queues an evaluation. A metric whose required model or dataset field is
     * missing, or a dataset of the wrong format, is INVALID_ARGUMENT with a field violation
     * naming that field; an unknown model or dataset is NOT_FOUND. Retrying with the same
     * request_id returns the evaluation the first call created.
     * </pre>
     */
    public kiln.v1.Evaluation createEvaluation(kiln.v1.CreateEvaluationRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateEvaluationMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns one evaluation; NOT_FOUND if it does not exist or belongs to another tenant.
     * </pre>
     */
    public kiln.v1.Evaluation getEvaluation(kiln.v1.GetEvaluationRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetEvaluationMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the caller's evaluations, newest first, optionally filtered by model or state.
     * </pre>
     */
    public kiln.v1.ListEvaluationsResponse listEvaluations(kiln.v1.ListEvaluationsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListEvaluationsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams the evaluation's events in order: state changes and progress. Starts at the
     * beginning, or after `after_event_id` to resume a broken stream, and ends once the
     * evaluation reaches a final state and every event was sent.
     * </pre>
     */
    public java.util.Iterator<kiln.v1.EvaluationEvent> watchEvaluation(
        kiln.v1.WatchEvaluationRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getWatchEvaluationMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Score models on a dataset: likelihood metrics (perplexity), reward-model metrics (mean reward,
   * win rate against a baseline), divergence from a reference model, diversity and exact match.
   * Evaluations run on Ray workers like jobs; their state and events live in Redis.
   * </pre>
   */
  public static final class EvaluationServiceFutureStub extends io.grpc.stub.AbstractFutureStub<EvaluationServiceFutureStub> {
    private EvaluationServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected EvaluationServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new EvaluationServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Validates and queues an evaluation. A metric whose required model or dataset field is
     * missing, or a dataset of the wrong format, is INVALID_ARGUMENT with a field violation
     * naming that field; an unknown model or dataset is NOT_FOUND. Retrying with the same
     * request_id returns the evaluation the first call created.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Evaluation> createEvaluation(
        kiln.v1.CreateEvaluationRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateEvaluationMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns one evaluation; NOT_FOUND if it does not exist or belongs to another tenant.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Evaluation> getEvaluation(
        kiln.v1.GetEvaluationRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetEvaluationMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the caller's evaluations, newest first, optionally filtered by model or state.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.ListEvaluationsResponse> listEvaluations(
        kiln.v1.ListEvaluationsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListEvaluationsMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CREATE_EVALUATION = 0;
  private static final int METHODID_GET_EVALUATION = 1;
  private static final int METHODID_LIST_EVALUATIONS = 2;
  private static final int METHODID_WATCH_EVALUATION = 3;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final EvaluationServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(EvaluationServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_CREATE_EVALUATION:
          serviceImpl.createEvaluation((kiln.v1.CreateEvaluationRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Evaluation>) responseObserver);
          break;
        case METHODID_GET_EVALUATION:
          serviceImpl.getEvaluation((kiln.v1.GetEvaluationRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Evaluation>) responseObserver);
          break;
        case METHODID_LIST_EVALUATIONS:
          serviceImpl.listEvaluations((kiln.v1.ListEvaluationsRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.ListEvaluationsResponse>) responseObserver);
          break;
        case METHODID_WATCH_EVALUATION:
          serviceImpl.watchEvaluation((kiln.v1.WatchEvaluationRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.EvaluationEvent>) responseObserver);
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

  private static abstract class EvaluationServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    EvaluationServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return kiln.v1.EvaluationProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("EvaluationService");
    }
  }

  private static final class EvaluationServiceFileDescriptorSupplier
      extends EvaluationServiceBaseDescriptorSupplier {
    EvaluationServiceFileDescriptorSupplier() {}
  }

  private static final class EvaluationServiceMethodDescriptorSupplier
      extends EvaluationServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    EvaluationServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (EvaluationServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new EvaluationServiceFileDescriptorSupplier())
              .addMethod(getCreateEvaluationMethod())
              .addMethod(getGetEvaluationMethod())
              .addMethod(getListEvaluationsMethod())
              .addMethod(getWatchEvaluationMethod())
              .build();
        }
      }
    }
    return result;
  }
}
