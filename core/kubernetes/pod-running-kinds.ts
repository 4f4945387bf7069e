/**
 * Kinds that run pods with a spec their author writes: built-in controllers, and custom resources that common
 * controllers turn into pods (Argo, KubeRay, Kubeflow training and notebooks, Spark, JobSet, KServe,
 * LeaderWorkerSet). `resource` is the RBAC resource name whose create/update/patch lets a subject run such pods;
 * absent where writing the object alone runs nothing.
 */
const POD_RUNNING: readonly { readonly kind: string; readonly resource?: string }[] = [
    { kind: "Pod", resource: "pods" },
    // A PodTemplate runs nothing until a controller copies it; no common controller reads them by name.
    { kind: "PodTemplate" },
    { kind: "Deployment", resource: "deployments" },
    { kind: "StatefulSet", resource: "statefulsets" },
    { kind: "DaemonSet", resource: "daemonsets" },
    { kind: "ReplicaSet", resource: "replicasets" },
    { kind: "ReplicationController", resource: "replicationcontrollers" },
    { kind: "Job", resource: "jobs" },
    { kind: "CronJob", resource: "cronjobs" },
    { kind: "Workflow", resource: "workflows" },
    { kind: "CronWorkflow", resource: "cronworkflows" },
    // Workflows that reference a template run the pod spec its writer chose.
    { kind: "WorkflowTemplate", resource: "workflowtemplates" },
    { kind: "ClusterWorkflowTemplate", resource: "clusterworkflowtemplates" },
    { kind: "RayCluster", resource: "rayclusters" },
    { kind: "RayJob", resource: "rayjobs" },
    { kind: "RayService", resource: "rayservices" },
    { kind: "PyTorchJob", resource: "pytorchjobs" },
    { kind: "TFJob", resource: "tfjobs" },
    { kind: "MPIJob", resource: "mpijobs" },
    { kind: "XGBoostJob", resource: "xgboostjobs" },
    { kind: "PaddleJob", resource: "paddlejobs" },
    { kind: "JAXJob", resource: "jaxjobs" },
    { kind: "TrainJob", resource: "trainjobs" },
    { kind: "SparkApplication", resource: "sparkapplications" },
    { kind: "ScheduledSparkApplication", resource: "scheduledsparkapplications" },
    { kind: "JobSet", resource: "jobsets" },
    { kind: "Notebook", resource: "notebooks" },
    { kind: "InferenceService", resource: "inferenceservices" },
    // KServe runs a ServingRuntime's containers for every InferenceService that selects it.
    { kind: "ServingRuntime", resource: "servingruntimes" },
    { kind: "ClusterServingRuntime", resource: "clusterservingruntimes" },
    { kind: "LeaderWorkerSet", resource: "leaderworkersets" },
];

export const POD_RUNNING_KINDS: ReadonlySet<string> = new Set(POD_RUNNING.map((k) => k.kind));

/** RBAC resources whose writes run pods (the kinds above). */
export const POD_CREATING_RESOURCES: readonly string[] = POD_RUNNING.flatMap((k) =>
    k.resource === undefined ? [] : [k.resource],
);
