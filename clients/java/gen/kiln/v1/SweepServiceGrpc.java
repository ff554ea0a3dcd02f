package kiln.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Hyperparameter and architecture search. A sweep samples values for chosen fields of a job
 * template, runs each sample as an ordinary job (a trial, listed by ListJobs with `sweep` set),
 * and reports the best trial (or the Pareto front of several objectives). Samplers and pruners
 * are Optuna's; the study lives in Redis, so a sweep survives a gateway restart without
 * re-running finished trials.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: kiln/v1/sweeps.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class SweepServiceGrpc {

  private SweepServiceGrpc() {}

  public static final String SERVICE_NAME = "kiln.v1.SweepService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<kiln.v1.CreateSweepRequest,
      kiln.v1.Sweep> getCreateSweepMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateSweep",
      requestType = kiln.v1.CreateSweepRequest.class,
      responseType = kiln.v1.Sweep.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.CreateSweepRequest,
      kiln.v1.Sweep> getCreateSweepMethod() {
    io.grpc.MethodDescriptor<kiln.v1.CreateSweepRequest, kiln.v1.Sweep> getCreateSweepMethod;
    if ((getCreateSweepMethod = SweepServiceGrpc.getCreateSweepMethod) == null) {
      synchronized (SweepServiceGrpc.class) {
        if ((getCreateSweepMethod = SweepServiceGrpc.getCreateSweepMethod) == null) {
          SweepServiceGrpc.getCreateSweepMethod = getCreateSweepMethod =
              io.grpc.MethodDescriptor.<kiln.v1.CreateSweepRequest, kiln.v1.Sweep>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateSweep"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.CreateSweepRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Sweep.getDefaultInstance()))
              .setSchemaDescriptor(new SweepServiceMethodDescriptorSupplier("CreateSweep"))
              .build();
        }
      }
    }
    return getCreateSweepMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.GetSweepRequest,
      kiln.v1.Sweep> getGetSweepMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetSweep",
      requestType = kiln.v1.GetSweepRequest.class,
      responseType = kiln.v1.Sweep.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.GetSweepRequest,
      kiln.v1.Sweep> getGetSweepMethod() {
    io.grpc.MethodDescriptor<kiln.v1.GetSweepRequest, kiln.v1.Sweep> getGetSweepMethod;
    if ((getGetSweepMethod = SweepServiceGrpc.getGetSweepMethod) == null) {
      synchronized (SweepServiceGrpc.class) {
        if ((getGetSweepMethod = SweepServiceGrpc.getGetSweepMethod) == null) {
          SweepServiceGrpc.getGetSweepMethod = getGetSweepMethod =
              io.grpc.MethodDescriptor.<kiln.v1.GetSweepRequest, kiln.v1.Sweep>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetSweep"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.GetSweepRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Sweep.getDefaultInstance()))
              .setSchemaDescriptor(new SweepServiceMethodDescriptorSupplier("GetSweep"))
              .build();
        }
      }
    }
    return getGetSweepMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.ListSweepsRequest,
      kiln.v1.ListSweepsResponse> getListSweepsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListSweeps",
      requestType = kiln.v1.ListSweepsRequest.class,
      responseType = kiln.v1.ListSweepsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.ListSweepsRequest,
      kiln.v1.ListSweepsResponse> getListSweepsMethod() {
    io.grpc.MethodDescriptor<kiln.v1.ListSweepsRequest, kiln.v1.ListSweepsResponse> getListSweepsMethod;
    if ((getListSweepsMethod = SweepServiceGrpc.getListSweepsMethod) == null) {
      synchronized (SweepServiceGrpc.class) {
        if ((getListSweepsMethod = SweepServiceGrpc.getListSweepsMethod) == null) {
          SweepServiceGrpc.getListSweepsMethod = getListSweepsMethod =
              io.grpc.MethodDescriptor.<kiln.v1.ListSweepsRequest, kiln.v1.ListSweepsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListSweeps"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListSweepsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListSweepsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SweepServiceMethodDescriptorSupplier("ListSweeps"))
              .build();
        }
      }
    }
    return getListSweepsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.CancelSweepRequest,
      kiln.v1.Sweep> getCancelSweepMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CancelSweep",
      requestType = kiln.v1.CancelSweepRequest.class,
      responseType = kiln.v1.Sweep.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.CancelSweepRequest,
      kiln.v1.Sweep> getCancelSweepMethod() {
    io.grpc.MethodDescriptor<kiln.v1.CancelSweepRequest, kiln.v1.Sweep> getCancelSweepMethod;
    if ((getCancelSweepMethod = SweepServiceGrpc.getCancelSweepMethod) == null) {
      synchronized (SweepServiceGrpc.class) {
        if ((getCancelSweepMethod = SweepServiceGrpc.getCancelSweepMethod) == null) {
          SweepServiceGrpc.getCancelSweepMethod = getCancelSweepMethod =
              io.grpc.MethodDescriptor.<kiln.v1.CancelSweepRequest, kiln.v1.Sweep>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CancelSweep"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.CancelSweepRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Sweep.getDefaultInstance()))
              .setSchemaDescriptor(new SweepServiceMethodDescriptorSupplier("CancelSweep"))
              .build();
        }
      }
    }
    return getCancelSweepMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.WatchSweepRequest,
      kiln.v1.SweepEvent> getWatchSweepMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WatchSweep",
      requestType = kiln.v1.WatchSweepRequest.class,
      responseType = kiln.v1.SweepEvent.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<kiln.v1.WatchSweepRequest,
      kiln.v1.SweepEvent> getWatchSweepMethod() {
    io.grpc.MethodDescriptor<kiln.v1.WatchSweepRequest, kiln.v1.SweepEvent> getWatchSweepMethod;
    if ((getWatchSweepMethod = SweepServiceGrpc.getWatchSweepMethod) == null) {
      synchronized (SweepServiceGrpc.class) {
        if ((getWatchSweepMethod = SweepServiceGrpc.getWatchSweepMethod) == null) {
          SweepServiceGrpc.getWatchSweepMethod = getWatchSweepMethod =
              io.grpc.MethodDescriptor.<kiln.v1.WatchSweepRequest, kiln.v1.SweepEvent>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WatchSweep"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.WatchSweepRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.SweepEvent.getDefaultInstance()))
              .setSchemaDescriptor(new SweepServiceMethodDescriptorSupplier("WatchSweep"))
              .build();
        }
      }
    }
    return getWatchSweepMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static SweepServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SweepServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SweepServiceStub>() {
        @java.lang.Override
        public SweepServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SweepServiceStub(channel, callOptions);
        }
      };
    return SweepServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static SweepServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SweepServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SweepServiceBlockingStub>() {
        @java.lang.Override
        public SweepServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SweepServiceBlockingStub(channel, callOptions);
        }
      };
    return SweepServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static SweepServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SweepServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SweepServiceFutureStub>() {
        @java.lang.Override
        public SweepServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SweepServiceFutureStub(channel, callOptions);
        }
      };
    return SweepServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Hyperparameter and architecture search. A sweep samples values for chosen fields of a job
   * template, runs each sample as an ordinary job (a trial, listed by ListJobs with `sweep` set),
   * and reports the best trial (or the Pareto front of several objectives). Samplers and pruners
   * are Optuna's; the study lives in Redis, so a sweep survives a gateway restart without
   * re-running finished trials.
   * </pre>
   */
  public static abstract class SweepServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Validates and starts a sweep. A bad template, search space, objective, algorithm or budget
     * is INVALID_ARGUMENT with a field violation naming the field (e.g.
     * "sweep.parameters[0].float_range.low"), and nothing is created; an unknown base model or
     * dataset in the template is NOT_FOUND. Retrying with the same request_id returns the sweep
     * the first call created.
     * </pre>
     */
    public void createSweep(kiln.v1.CreateSweepRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Sweep> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateSweepMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns one sweep with its trials; NOT_FOUND if it does not exist or belongs to another
     * tenant.
     * </pre>
     */
    public void getSweep(kiln.v1.GetSweepRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Sweep> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetSweepMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's sweeps, newest first, optionally filtered by state.
     * </pre>
     */
    public void listSweeps(kiln.v1.ListSweepsRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListSweepsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListSweepsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Stops a sweep: no new trial starts and the running trials' jobs are cancelled. The sweep
     * ends CANCELLED; trials finished before keep their results. Cancelling a finished sweep is
     * FAILED_PRECONDITION.
     * </pre>
     */
    public void cancelSweep(kiln.v1.CancelSweepRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Sweep> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCancelSweepMethod(), responseObserver);
    }

    /**
     * <pre>
     * Streams the sweep's events in order: state changes, trials started, intermediate metrics,
     * trials pruned or finished, and new best trials. Starts at the beginning, or after
     * `after_event_id` to resume a broken stream, and ends once the sweep reaches a final state.
     * </pre>
     */
    public void watchSweep(kiln.v1.WatchSweepRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.SweepEvent> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWatchSweepMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getCreateSweepMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.CreateSweepRequest,
                kiln.v1.Sweep>(
                  this, METHODID_CREATE_SWEEP)))
          .addMethod(
            getGetSweepMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.GetSweepRequest,
                kiln.v1.Sweep>(
                  this, METHODID_GET_SWEEP)))
          .addMethod(
            getListSweepsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.ListSweepsRequest,
                kiln.v1.ListSweepsResponse>(
                  this, METHODID_LIST_SWEEPS)))
          .addMethod(
            getCancelSweepMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.CancelSweepRequest,
                kiln.v1.Sweep>(
                  this, METHODID_CANCEL_SWEEP)))
          .addMethod(
            getWatchSweepMethod(),
            io.grpc.stub.ServerCalls.asyncServerStreamingCall(
              new MethodHandlers<
                kiln.v1.WatchSweepRequest,
                kiln.v1.SweepEvent>(
                  this, METHODID_WATCH_SWEEP)))
          .build();
    }
  }

  /**
   * <pre>
   * Hyperparameter and architecture search. A sweep samples values for chosen fields of a job
   * template, runs each sample as an ordinary job (a trial, listed by ListJobs with `sweep` set),
   * and reports the best trial (or the Pareto front of several objectives). Samplers and pruners
   * are Optuna's; the study lives in Redis, so a sweep survives a gateway restart without
   * re-running finished trials.
   * </pre>
   */
  public static final class SweepServiceStub extends io.grpc.stub.AbstractAsyncStub<SweepServiceStub> {
    private SweepServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SweepServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SweepServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Validates and starts a sweep. A bad template, search space, objective, algorithm or budget
     * is INVALID_ARGUMENT with a field violation naming the field (e.g.
     * "sweep.parameters[0].float_range.low"), and nothing is created; an unknown base model or
     * dataset in the template is NOT_FOUND. Retrying with the same request_id returns the sweep
     * the first call created.
     * </pre>
     */
    public void createSweep(kiln.v1.CreateSweepRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Sweep> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateSweepMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns one sweep with its trials; NOT_FOUND if it does not exist or belongs to another
     * tenant.
     * </pre>
     */
    public void getSweep(kiln.v1.GetSweepRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Sweep> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetSweepMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's sweeps, newest first, optionally filtered by state.
     * </pre>
     */
    public void listSweeps(kiln.v1.ListSweepsRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListSweepsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListSweepsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Stops a sweep: no new trial starts and the running trials' jobs are cancelled. The sweep
     * ends CANCELLED; trials finished before keep their results. Cancelling a finished sweep is
     * FAILED_PRECONDITION.
     * </pre>
     */
    public void cancelSweep(kiln.v1.CancelSweepRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Sweep> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCancelSweepMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Streams the sweep's events in order: state changes, trials started, intermediate metrics,
     * trials pruned or finished, and new best trials. Starts at the beginning, or after
     * `after_event_id` to resume a broken stream, and ends once the sweep reaches a final state.
     * </pre>
     */
    public void watchSweep(kiln.v1.WatchSweepRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.SweepEvent> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getWatchSweepMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Hyperparameter and architecture search. A sweep samples values for chosen fields of a job
   * template, runs each sample as an ordinary job (a trial, listed by ListJobs with `sweep` set),
   * and reports the best trial (or the Pareto front of several objectives). Samplers and pruners
   * are Optuna's; the study lives in Redis, so a sweep survives a gateway restart without
   * re-running finished trials.
   * </pre>
   */
  public static final class SweepServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<SweepServiceBlockingStub> {
    private SweepServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SweepServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SweepServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Validates and starts a sweep. A bad template, search space, objective, algorithm or budget
     * is INVALID_ARGUMENT with a field violation naming the field (e.g.
     * "sweep.parameters[0].float_range.low"), and nothing is created; an unknown base model or
     * dataset in the template is NOT_FOUND. Retrying with the same request_id returns the sweep
     * the first call created.
     * </pre>
     */
    public kiln.v1.Sweep createSweep(kiln.v1.CreateSweepRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateSweepMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns one sweep with its trials; NOT_FOUND if it does not exist or belongs to another
     * tenant.
     * </pre>
     */
    public kiln.v1.Sweep getSweep(kiln.v1.GetSweepRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetSweepMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the caller's sweeps, newest first, optionally filtered by state.
     * </pre>
     */
    public kiln.v1.ListSweepsResponse listSweeps(kiln.v1.ListSweepsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListSweepsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Stops a sweep: no new trial starts and the running trials' jobs are cancelled. The sweep
     * ends CANCELLED; trials finished before keep their results. Cancelling a finished sweep is
     * FAILED_PRECONDITION.
     * </pre>
     */
    public kiln.v1.Sweep cancelSweep(kiln.v1.CancelSweepRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCancelSweepMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams the sweep's events in order: state changes, trials started, intermediate metrics,
     * trials pruned or finished, and new best trials. Starts at the beginning, or after
     * `after_event_id` to resume a broken stream, and ends once the sweep reaches a final state.
     * </pre>
     */
    public java.util.Iterator<kiln.v1.SweepEvent> watchSweep(
        kiln.v1.WatchSweepRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getWatchSweepMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Hyperparameter and architecture search. A sweep samples values for chosen fields of a job
   * template, runs each sample as an ordinary job (a trial, listed by ListJobs with `sweep` set),
   * and reports the best trial (or the Pareto front of several objectives). Samplers and pruners
   * are Optuna's; the study lives in Redis, so a sweep survives a gateway restart without
   * re-running finished trials.
   * </pre>
   */
  public static final class SweepServiceFutureStub extends io.grpc.stub.AbstractFutureStub<SweepServiceFutureStub> {
    private SweepServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SweepServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SweepServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Validates and starts a sweep. A bad template, search space, objective, algorithm or budget
     * is INVALID_ARGUMENT with a field violation naming the field (e.g.
     * "sweep.parameters[0].float_range.low"), and nothing is created; an unknown base model or
     * dataset in the template is NOT_FOUND. Retrying with the same request_id returns the sweep
     * the first call created.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Sweep> createSweep(
        kiln.v1.CreateSweepRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateSweepMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns one sweep with its trials; NOT_FOUND if it does not exist or belongs to another
     * tenant.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Sweep> getSweep(
        kiln.v1.GetSweepRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetSweepMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the caller's sweeps, newest first, optionally filtered by state.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.ListSweepsResponse> listSweeps(
        kiln.v1.ListSweepsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListSweepsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Stops a sweep: no new trial starts and the running trials' jobs are cancelled. The sweep
     * ends CANCELLED; trials finished before keep their results. Cancelling a finished sweep is
     * FAILED_PRECONDITION.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Sweep> cancelSweep(
        kiln.v1.CancelSweepRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCancelSweepMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CREATE_SWEEP = 0;
  private static final int METHODID_GET_SWEEP = 1;
  private static final int METHODID_LIST_SWEEPS = 2;
  private static final int METHODID_CANCEL_SWEEP = 3;
  private static final int METHODID_WATCH_SWEEP = 4;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final SweepServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(SweepServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_CREATE_SWEEP:
          serviceImpl.createSweep((kiln.v1.CreateSweepRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Sweep>) responseObserver);
          break;
        case METHODID_GET_SWEEP:
          serviceImpl.getSweep((kiln.v1.GetSweepRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Sweep>) responseObserver);
          break;
        case METHODID_LIST_SWEEPS:
          serviceImpl.listSweeps((kiln.v1.ListSweepsRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.ListSweepsResponse>) responseObserver);
          break;
        case METHODID_CANCEL_SWEEP:
          serviceImpl.cancelSweep((kiln.v1.CancelSweepRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Sweep>) responseObserver);
          break;
        case METHODID_WATCH_SWEEP:
          serviceImpl.watchSweep((kiln.v1.WatchSweepRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.SweepEvent>) responseObserver);
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

  private static abstract class SweepServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    SweepServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return kiln.v1.SweepsProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("SweepService");
    }
  }

  private static final class SweepServiceFileDescriptorSupplier
      extends SweepServiceBaseDescriptorSupplier {
    SweepServiceFileDescriptorSupplier() {}
  }

  private static final class SweepServiceMethodDescriptorSupplier
      extends SweepServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    SweepServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (SweepServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new SweepServiceFileDescriptorSupplier())
              .addMethod(getCreateSweepMethod())
              .addMethod(getGetSweepMethod())
              .addMethod(getListSweepsMethod())
              .addMethod(getCancelSweepMethod())
              .addMethod(getWatchSweepMethod())
              .build();
        }
      }
    }
    return result;
  }
}
