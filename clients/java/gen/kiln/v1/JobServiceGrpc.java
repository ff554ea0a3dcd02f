package kiln.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Create, watch and control training jobs. Jobs run on Ray workers; their state and events
 * live in Redis, so any gateway replica can answer for any job.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: kiln/v1/jobs.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class JobServiceGrpc {

  private JobServiceGrpc() {}

  public static final String SERVICE_NAME = "kiln.v1.JobService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<kiln.v1.CreateJobRequest,
      kiln.v1.Job> getCreateJobMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateJob",
      requestType = kiln.v1.CreateJobRequest.class,
      responseType = kiln.v1.Job.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.CreateJobRequest,
      kiln.v1.Job> getCreateJobMethod() {
    io.grpc.MethodDescriptor<kiln.v1.CreateJobRequest, kiln.v1.Job> getCreateJobMethod;
    if ((getCreateJobMethod = JobServiceGrpc.getCreateJobMethod) == null) {
      synchronized (JobServiceGrpc.class) {
        if ((getCreateJobMethod = JobServiceGrpc.getCreateJobMethod) == null) {
          JobServiceGrpc.getCreateJobMethod = getCreateJobMethod =
              io.grpc.MethodDescriptor.<kiln.v1.CreateJobRequest, kiln.v1.Job>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateJob"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.CreateJobRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Job.getDefaultInstance()))
              .setSchemaDescriptor(new JobServiceMethodDescriptorSupplier("CreateJob"))
              .build();
        }
      }
    }
    return getCreateJobMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.GetJobRequest,
      kiln.v1.Job> getGetJobMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetJob",
      requestType = kiln.v1.GetJobRequest.class,
      responseType = kiln.v1.Job.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.GetJobRequest,
      kiln.v1.Job> getGetJobMethod() {
    io.grpc.MethodDescriptor<kiln.v1.GetJobRequest, kiln.v1.Job> getGetJobMethod;
    if ((getGetJobMethod = JobServiceGrpc.getGetJobMethod) == null) {
      synchronized (JobServiceGrpc.class) {
        if ((getGetJobMethod = JobServiceGrpc.getGetJobMethod) == null) {
          JobServiceGrpc.getGetJobMethod = getGetJobMethod =
              io.grpc.MethodDescriptor.<kiln.v1.GetJobRequest, kiln.v1.Job>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetJob"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.GetJobRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Job.getDefaultInstance()))
              .setSchemaDescriptor(new JobServiceMethodDescriptorSupplier("GetJob"))
              .build();
        }
      }
    }
    return getGetJobMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.ListJobsRequest,
      kiln.v1.ListJobsResponse> getListJobsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListJobs",
      requestType = kiln.v1.ListJobsRequest.class,
      responseType = kiln.v1.ListJobsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.ListJobsRequest,
      kiln.v1.ListJobsResponse> getListJobsMethod() {
    io.grpc.MethodDescriptor<kiln.v1.ListJobsRequest, kiln.v1.ListJobsResponse> getListJobsMethod;
    if ((getListJobsMethod = JobServiceGrpc.getListJobsMethod) == null) {
      synchronized (JobServiceGrpc.class) {
        if ((getListJobsMethod = JobServiceGrpc.getListJobsMethod) == null) {
          JobServiceGrpc.getListJobsMethod = getListJobsMethod =
              io.grpc.MethodDescriptor.<kiln.v1.ListJobsRequest, kiln.v1.ListJobsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListJobs"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListJobsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListJobsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new JobServiceMethodDescriptorSupplier("ListJobs"))
              .build();
        }
      }
    }
    return getListJobsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.CancelJobRequest,
      kiln.v1.Job> getCancelJobMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CancelJob",
      requestType = kiln.v1.CancelJobRequest.class,
      responseType = kiln.v1.Job.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.CancelJobRequest,
      kiln.v1.Job> getCancelJobMethod() {
    io.grpc.MethodDescriptor<kiln.v1.CancelJobRequest, kiln.v1.Job> getCancelJobMethod;
    if ((getCancelJobMethod = JobServiceGrpc.getCancelJobMethod) == null) {
      synchronized (JobServiceGrpc.class) {
        if ((getCancelJobMethod = JobServiceGrpc.getCancelJobMethod) == null) {
          JobServiceGrpc.getCancelJobMethod = getCancelJobMethod =
              io.grpc.MethodDescriptor.<kiln.v1.CancelJobRequest, kiln.v1.Job>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CancelJob"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.CancelJobRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Job.getDefaultInstance()))
              .setSchemaDescriptor(new JobServiceMethodDescriptorSupplier("CancelJob"))
              .build();
        }
      }
    }
    return getCancelJobMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.WatchJobRequest,
      kiln.v1.JobEvent> getWatchJobMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WatchJob",
      requestType = kiln.v1.WatchJobRequest.class,
      responseType = kiln.v1.JobEvent.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<kiln.v1.WatchJobRequest,
      kiln.v1.JobEvent> getWatchJobMethod() {
    io.grpc.MethodDescriptor<kiln.v1.WatchJobRequest, kiln.v1.JobEvent> getWatchJobMethod;
    if ((getWatchJobMethod = JobServiceGrpc.getWatchJobMethod) == null) {
      synchronized (JobServiceGrpc.class) {
        if ((getWatchJobMethod = JobServiceGrpc.getWatchJobMethod) == null) {
          JobServiceGrpc.getWatchJobMethod = getWatchJobMethod =
              io.grpc.MethodDescriptor.<kiln.v1.WatchJobRequest, kiln.v1.JobEvent>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WatchJob"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.WatchJobRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.JobEvent.getDefaultInstance()))
              .setSchemaDescriptor(new JobServiceMethodDescriptorSupplier("WatchJob"))
              .build();
        }
      }
    }
    return getWatchJobMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.ListCheckpointsRequest,
      kiln.v1.ListCheckpointsResponse> getListCheckpointsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListCheckpoints",
      requestType = kiln.v1.ListCheckpointsRequest.class,
      responseType = kiln.v1.ListCheckpointsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.ListCheckpointsRequest,
      kiln.v1.ListCheckpointsResponse> getListCheckpointsMethod() {
    io.grpc.MethodDescriptor<kiln.v1.ListCheckpointsRequest, kiln.v1.ListCheckpointsResponse> getListCheckpointsMethod;
    if ((getListCheckpointsMethod = JobServiceGrpc.getListCheckpointsMethod) == null) {
      synchronized (JobServiceGrpc.class) {
        if ((getListCheckpointsMethod = JobServiceGrpc.getListCheckpointsMethod) == null) {
          JobServiceGrpc.getListCheckpointsMethod = getListCheckpointsMethod =
              io.grpc.MethodDescriptor.<kiln.v1.ListCheckpointsRequest, kiln.v1.ListCheckpointsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListCheckpoints"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListCheckpointsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListCheckpointsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new JobServiceMethodDescriptorSupplier("ListCheckpoints"))
              .build();
        }
      }
    }
    return getListCheckpointsMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static JobServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<JobServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<JobServiceStub>() {
        @java.lang.Override
        public JobServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new JobServiceStub(channel, callOptions);
        }
      };
    return JobServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static JobServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<JobServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<JobServiceBlockingStub>() {
        @java.lang.Override
        public JobServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new JobServiceBlockingStub(channel, callOptions);
        }
      };
    return JobServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static JobServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<JobServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<JobServiceFutureStub>() {
        @java.lang.Override
        public JobServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new JobServiceFutureStub(channel, callOptions);
        }
      };
    return JobServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Create, watch and control training jobs. Jobs run on Ray workers; their state and events
   * live in Redis, so any gateway replica can answer for any job.
   * </pre>
   */
  public static abstract class JobServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Validates and queues a job. Bad hyperparameters are INVALID_ARGUMENT with one field
     * violation per bad field; an unknown base model or dataset is NOT_FOUND. Retrying with the
     * same request_id returns the job the first call created.
     * </pre>
     */
    public void createJob(kiln.v1.CreateJobRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Job> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateJobMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns one job; NOT_FOUND if it does not exist or belongs to another tenant.
     * </pre>
     */
    public void getJob(kiln.v1.GetJobRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Job> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetJobMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's jobs, newest first, optionally filtered by state or method.
     * </pre>
     */
    public void listJobs(kiln.v1.ListJobsRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListJobsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListJobsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Asks a job to stop. Queued jobs are cancelled at once; running jobs stop at their next
     * step (within seconds) and end CANCELLED. Cancelling a finished job is FAILED_PRECONDITION.
     * </pre>
     */
    public void cancelJob(kiln.v1.CancelJobRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Job> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCancelJobMethod(), responseObserver);
    }

    /**
     * <pre>
     * Streams the job's events in order: state changes, per-step metrics, checkpoints and log
     * lines. Starts at the beginning, or after `after_event_id` to resume a broken stream, and
     * ends once the job reaches a final state and every event was sent.
     * </pre>
     */
    public void watchJob(kiln.v1.WatchJobRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.JobEvent> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWatchJobMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the checkpoints a job saved, oldest first.
     * </pre>
     */
    public void listCheckpoints(kiln.v1.ListCheckpointsRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListCheckpointsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListCheckpointsMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getCreateJobMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.CreateJobRequest,
                kiln.v1.Job>(
                  this, METHODID_CREATE_JOB)))
          .addMethod(
            getGetJobMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.GetJobRequest,
                kiln.v1.Job>(
                  this, METHODID_GET_JOB)))
          .addMethod(
            getListJobsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.ListJobsRequest,
                kiln.v1.ListJobsResponse>(
                  this, METHODID_LIST_JOBS)))
          .addMethod(
            getCancelJobMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.CancelJobRequest,
                kiln.v1.Job>(
                  this, METHODID_CANCEL_JOB)))
          .addMethod(
            getWatchJobMethod(),
            io.grpc.stub.ServerCalls.asyncServerStreamingCall(
              new MethodHandlers<
                kiln.v1.WatchJobRequest,
                kiln.v1.JobEvent>(
                  this, METHODID_WATCH_JOB)))
          .addMethod(
            getListCheckpointsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.ListCheckpointsRequest,
                kiln.v1.ListCheckpointsResponse>(
                  this, METHODID_LIST_CHECKPOINTS)))
          .build();
    }
  }

  /**
   * <pre>
   * Create, watch and control training jobs. Jobs run on Ray workers; their state and events
   * live in Redis, so any gateway replica can answer for any job.
   * </pre>
   */
  public static final class JobServiceStub extends io.grpc.stub.AbstractAsyncStub<JobServiceStub> {
    private JobServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected JobServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new JobServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Validates and queues a job. Bad hyperparameters are INVALID_ARGUMENT with one field
     * violation per bad field; an unknown base model or dataset is NOT_FOUND. Retrying with the
     * same request_id returns the job the first call created.
     * </pre>
     */
    public void createJob(kiln.v1.CreateJobRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Job> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateJobMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns one job; NOT_FOUND if it does not exist or belongs to another tenant.
     * </pre>
     */
    public void getJob(kiln.v1.GetJobRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Job> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetJobMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's jobs, newest first, optionally filtered by state or method.
     * </pre>
     */
    public void listJobs(kiln.v1.ListJobsRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListJobsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListJobsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Asks a job to stop. Queued jobs are cancelled at once; running jobs stop at their next
     * step (within seconds) and end CANCELLED. Cancelling a finished job is FAILED_PRECONDITION.
     * </pre>
     */
    public void cancelJob(kiln.v1.CancelJobRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Job> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCancelJobMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Streams the job's events in order: state changes, per-step metrics, checkpoints and log
     * lines. Starts at the beginning, or after `after_event_id` to resume a broken stream, and
     * ends once the job reaches a final state and every event was sent.
     * </pre>
     */
    public void watchJob(kiln.v1.WatchJobRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.JobEvent> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getWatchJobMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists the checkpoints a job saved, oldest first.
     * </pre>
     */
    public void listCheckpoints(kiln.v1.ListCheckpointsRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListCheckpointsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListCheckpointsMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Create, watch and control training jobs. Jobs run on Ray workers; their state and events
   * live in Redis, so any gateway replica can answer for any job.
   * </pre>
   */
  public static final class JobServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<JobServiceBlockingStub> {
    private JobServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected JobServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new JobServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Validates and queues a job. Bad hyperparameters are INVALID_ARGUMENT with one field
     * violation per bad field; an unknown base model or dataset is NOT_FOUND. Retrying with the
     * same request_id returns the job the first call created.
     * </pre>
     */
    public kiln.v1.Job createJob(kiln.v1.CreateJobRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateJobMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns one job; NOT_FOUND if it does not exist or belongs to another tenant.
     * </pre>
     */
    public kiln.v1.Job getJob(kiln.v1.GetJobRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetJobMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the caller's jobs, newest first, optionally filtered by state or method.
     * </pre>
     */
    public kiln.v1.ListJobsResponse listJobs(kiln.v1.ListJobsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListJobsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Asks a job to stop. Queued jobs are cancelled at once; running jobs stop at their next
     * step (within seconds) and end CANCELLED. Cancelling a finished job is FAILED_PRECONDITION.
     * </pre>
     */
    public kiln.v1.Job cancelJob(kiln.v1.CancelJobRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCancelJobMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams the job's events in order: state changes, per-step metrics, checkpoints and log
     * lines. Starts at the beginning, or after `after_event_id` to resume a broken stream, and
     * ends once the job reaches a final state and every event was sent.
     * </pre>
     */
    public java.util.Iterator<kiln.v1.JobEvent> watchJob(
        kiln.v1.WatchJobRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getWatchJobMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the checkpoints a job saved, oldest first.
     * </pre>
     */
    public kiln.v1.ListCheckpointsResponse listCheckpoints(kiln.v1.ListCheckpointsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListCheckpointsMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Create, watch and control training jobs. Jobs run on Ray workers; their state and events
   * live in Redis, so any gateway replica can answer for any job.
   * </pre>
   */
  public static final class JobServiceFutureStub extends io.grpc.stub.AbstractFutureStub<JobServiceFutureStub> {
    private JobServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected JobServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new JobServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Validates and queues a job. Bad hyperparameters are INVALID_ARGUMENT with one field
     * violation per bad field; an unknown base model or dataset is NOT_FOUND. Retrying with the
     * same request_id returns the job the first call created.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Job> createJob(
        kiln.v1.CreateJobRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateJobMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns one job; NOT_FOUND if it does not exist or belongs to another tenant.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Job> getJob(
        kiln.v1.GetJobRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetJobMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the caller's jobs, newest first, optionally filtered by state or method.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.ListJobsResponse> listJobs(
        kiln.v1.ListJobsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListJobsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Asks a job to stop. Queued jobs are cancelled at once; running jobs stop at their next
     * step (within seconds) and end CANCELLED. Cancelling a finished job is FAILED_PRECONDITION.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Job> cancelJob(
        kiln.v1.CancelJobRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCancelJobMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the checkpoints a job saved, oldest first.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.ListCheckpointsResponse> listCheckpoints(
        kiln.v1.ListCheckpointsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListCheckpointsMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CREATE_JOB = 0;
  private static final int METHODID_GET_JOB = 1;
  private static final int METHODID_LIST_JOBS = 2;
  private static final int METHODID_CANCEL_JOB = 3;
  private static final int METHODID_WATCH_JOB = 4;
  private static final int METHODID_LIST_CHECKPOINTS = 5;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final JobServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(JobServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_CREATE_JOB:
          serviceImpl.createJob((kiln.v1.CreateJobRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Job>) responseObserver);
          break;
        case METHODID_GET_JOB:
          serviceImpl.getJob((kiln.v1.GetJobRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Job>) responseObserver);
          break;
        case METHODID_LIST_JOBS:
          serviceImpl.listJobs((kiln.v1.ListJobsRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.ListJobsResponse>) responseObserver);
          break;
        case METHODID_CANCEL_JOB:
          serviceImpl.cancelJob((kiln.v1.CancelJobRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Job>) responseObserver);
          break;
        case METHODID_WATCH_JOB:
          serviceImpl.watchJob((kiln.v1.WatchJobRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.JobEvent>) responseObserver);
          break;
        case METHODID_LIST_CHECKPOINTS:
          serviceImpl.listCheckpoints((kiln.v1.ListCheckpointsRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.ListCheckpointsResponse>) responseObserver);
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

  private static abstract class JobServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    JobServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return kiln.v1.JobsProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("JobService");
    }
  }

  private static final class JobServiceFileDescriptorSupplier
      extends JobServiceBaseDescriptorSupplier {
    JobServiceFileDescriptorSupplier() {}
  }

  private static final class JobServiceMethodDescriptorSupplier
      extends JobServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    JobServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (JobServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new JobServiceFileDescriptorSupplier())
              .addMethod(getCreateJobMethod())
              .addMethod(getGetJobMethod())
              .addMethod(getListJobsMethod())
              .addMethod(getCancelJobMethod())
              .addMethod(getWatchJobMethod())
              .addMethod(getListCheckpointsMethod())
              .build();
        }
      }
    }
    return result;
  }
}
