"""Local stand-ins for the template's Auto Scaling groups, in moto's EC2 and Auto Scaling.

Each ``AWS::AutoScaling::AutoScalingGroup`` of template.yaml becomes a moto group named
after its logical id, with a launch template and as many instances as the template's
minimum (a ``!Ref`` to a parameter takes the parameter's default). The replica refresh
state machine then starts and watches a real instance refresh of that group
(``localrun.instance_refresh`` gives moto the refresh actions).
"""

from __future__ import annotations

from typing import Any

from localrun.template import resources_of_type

GROUP_TYPE = "AWS::AutoScaling::AutoScalingGroup"
# One of the images moto knows out of the box; the local instances never boot anything.
LOCAL_IMAGE_ID = "ami-12c6146b"
LOCAL_INSTANCE_TYPE = "t3.micro"


def _value(template: dict[str, Any], value: Any) -> Any:
    """A literal, or the default of the parameter a ``!Ref`` names."""
    if isinstance(value, dict) and "Ref" in value:
        return template.get("Parameters", {})[value["Ref"]]["Default"]
    return value


def create_local_groups(
    ec2: Any, autoscaling: Any, template: dict[str, Any], subnet_id: str
) -> dict[str, str]:
    """One moto group per template group; returns {logical id: group name}."""
    names = {}
    for name, resource in resources_of_type(template, GROUP_TYPE).items():
        props = resource["Properties"]
        minimum = int(_value(template, props["MinSize"]))
        maximum = max(int(_value(template, props["MaxSize"])), minimum)
        ec2.create_launch_template(
            LaunchTemplateName=f"{name}-local",
            LaunchTemplateData={"ImageId": LOCAL_IMAGE_ID, "InstanceType": LOCAL_INSTANCE_TYPE},
        )
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateName": f"{name}-local", "Version": "$Latest"},
            MinSize=minimum,
            MaxSize=maximum,
            DesiredCapacity=minimum,
            VPCZoneIdentifier=subnet_id,
        )
        names[name] = name
    return names
